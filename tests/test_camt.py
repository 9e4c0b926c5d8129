"""The camt reader (desktop.integrations.camt) and the matcher (desktop.domain.bank_matching):
pure, no database. Generated statements are valid against the ISO 20022 schemas."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain.bank_matching import (
    EntryFacts,
    InvoiceFacts,
    Outcome,
    canonical_reference,
    names_agree,
    plan_entries,
    references_in_text,
)
from desktop.domain.billing.records import InvoiceKind, ReferenceScheme, make_payment_reference
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import ValidationError
from desktop.integrations.camt import DEBIT, read_statement
from tests.camt_generator import (
    VERSIONS,
    Entry,
    OpenInvoice,
    Tx,
    build,
    printed,
    scenario,
    validate,
)

IBAN = "SI56020100012345678"
S = SubscriptionState


def _invoice(n: int, scheme=ReferenceScheme.SI12, amount=2000, paid=0, **kw) -> InvoiceFacts:
    ref = make_payment_reference(scheme, SchoolYear(2026), n).replace(" ", "")
    values = dict(
        id=n,
        number=f"2026-{n:06d}",
        reference=ref,
        subscription_id=n,
        student_id=n,
        kind=InvoiceKind.ANNUAL,
        school_year=2026,
        amount_cents=amount,
        paid_cents=paid,
        cancelled=False,
        state=S.ORDERED,
        paid_school_year=None,
        ordered_on=date(2026, 9, 1),
        activated_on=None,
        child_name=f"Ana Novak{'x' * n}",
        payer_name=f"Mojca Novak{'x' * n}",
    )
    values.update(kw)
    return InvoiceFacts(**values)


def _entry(key, amount, refs=(), text="", debtor="", amounts=None, problem="") -> EntryFacts:
    refs = tuple(refs)
    return EntryFacts(
        key,
        key,
        amount,
        date(2026, 9, 20),
        refs,
        tuple(amounts or (None,) * len(refs)),
        text,
        debtor,
        problem,
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_generated_files_are_valid_and_read_back(version):
    invoices = [
        OpenInvoice(
            i,
            make_payment_reference(s, SchoolYear(2026), i).replace(" ", ""),
            2000,
            f"Mojca Novak{'a' * i}",
            f"Ana Novak{'a' * i}",
        )
        for i, s in enumerate(
            [ReferenceScheme.SI12, ReferenceScheme.EE, ReferenceScheme.RF] * 8, start=1
        )
    ]
    sc = scenario(invoices, account_iban=IBAN, version=version, seed=5)
    validate(sc.data)
    statement = read_statement(sc.data)
    assert statement.kind == version and statement.account_iban == IBAN
    assert statement.label == "S5" and len(statement.sha256) == 64
    refs = {e.entry_ref for e in statement.entries}
    assert set(sc.expected) <= refs and sc.refused <= refs
    debit = [e for e in statement.entries if not e.credit]
    assert len(debit) == 1 and debit[0].problem == DEBIT


def test_entry_fields():
    data = build(
        [
            Entry(
                "R1",
                [
                    Tx(
                        12345,
                        references=["SI12 0260000001 7"],
                        referred_amounts=[12345],
                        text="Plačilo POPOLNI",
                        debtor_name="Mojca Novak",
                        debtor_iban="SI56191000000123438",
                        end_to_end="E2E-1",
                    )
                ],
                date(2026, 9, 2),
                value_date=date(2026, 9, 1),
            )
        ],
        account_iban=IBAN,
        version="camt.053.001.08",
    )
    [e] = read_statement(data).entries
    assert (e.key, e.entry_ref, e.amount_cents, e.currency, e.credit) == (
        f"{IBAN}:R1",
        "R1",
        12345,
        "EUR",
        True,
    )
    assert (e.booked_on, e.value_date, e.day) == (
        date(2026, 9, 2),
        date(2026, 9, 1),
        date(2026, 9, 1),
    )
    assert e.references == ("SI12 0260000001 7",) and e.remittances[0].amount_cents == 12345
    assert (e.text, e.debtor_name, e.debtor_iban, e.end_to_end_id, e.problem) == (
        "Plačilo POPOLNI",
        "Mojca Novak",
        "SI56191000000123438",
        "E2E-1",
        "",
    )


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"PK\x03\x04 a zip", "not an XML file"),
        (b"<a><b></a>", "damaged or cut short"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>', "not a bank"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
            b"<BkToCstmrStmt/></Document>",
            "no account report",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<x>&e;</x>",
            "not a bank statement",
        ),
    ],
)
def test_bad_files(data, words):
    with pytest.raises(ValidationError, match=words) as info:
        read_statement(data)
    assert info.value.field == "statement"


@settings(max_examples=60, deadline=None)
@given(
    version=st.sampled_from(VERSIONS),
    txs=st.lists(
        st.tuples(
            st.integers(1, 10_000_000),
            st.sampled_from(["SI12 0260000001 7", "RF18539007547034", "2600000017", ""]),
            st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=60),
            st.text("abcčšž ABC", max_size=30),
            st.booleans(),
        ),
        max_size=8,
    ),
)
def test_parser_reads_back_what_was_written(version, txs):
    entries = [
        Entry(
            f"R{i}",
            [Tx(cents, references=[ref] if ref else [], text=text, debtor_name=name)],
            date(2026, 9, 1 + i),
            credit=credit,
        )
        for i, (cents, ref, text, name, credit) in enumerate(txs)
    ]
    data = build(entries, account_iban=IBAN, version=version)
    validate(data)
    read = read_statement(data).entries
    assert len(read) == len(entries)
    for written, got in zip(entries, read, strict=True):
        tx = written.txs[0]
        assert got.amount_cents == tx.amount_cents and got.credit is written.credit
        assert got.references == tuple(tx.references)
        assert got.text == " ".join(tx.text[:140].split())
        assert got.debtor_name == " ".join(tx.debtor_name.split())
        assert (got.problem == "") is written.credit


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), version=st.sampled_from(VERSIONS))
def test_generated_scenarios_never_match_wrongly(seed, version):
    invoices = [
        _invoice(n, [ReferenceScheme.SI12, ReferenceScheme.EE, ReferenceScheme.RF][n % 3])
        for n in range(1, 13)
    ]
    sc = scenario(
        [
            OpenInvoice(i.id, i.reference, i.amount_cents, i.payer_name, i.child_name)
            for i in invoices
        ],
        account_iban=IBAN,
        version=version,
        seed=seed,
    )
    statement = read_statement(sc.data)
    facts = [
        EntryFacts(
            e.key,
            e.entry_ref,
            e.amount_cents,
            e.day,
            e.references,
            tuple(r.amount_cents for r in e.remittances),
            e.text,
            e.debtor_name,
            e.problem,
        )
        for e in statement.entries
    ]
    plans = {
        e.entry_ref: p
        for e, p in zip(statement.entries, plan_entries(facts, invoices), strict=True)
    }
    for ref, plan in plans.items():
        if ref in sc.expected:
            got = sorted((a.invoice_id, a.amount_cents) for a in plan.allocations)
            assert got == sorted(sc.expected[ref])
        else:
            assert not plan.allocations, ref
            assert plan.suggestion in (None, sc.suggested.get(ref))


def test_canonical_references():
    si = make_payment_reference(ReferenceScheme.SI12, SchoolYear(2026), 17).replace(" ", "")
    ee = make_payment_reference(ReferenceScheme.EE, SchoolYear(2026), 17)
    rf = make_payment_reference(ReferenceScheme.RF, SchoolYear(2026), 17)
    for written in (si, "SI12 " + si[4:], "si12 " + si[4:].lstrip("0"), "SI12-" + si[4:]):
        assert canonical_reference(written) == canonical_reference(si) != ""
    assert canonical_reference(" ".join(ee)) == canonical_reference("00" + ee)
    assert canonical_reference("rf" + rf[2:].lower()) == rf
    assert canonical_reference("Hello") == "" == canonical_reference("7")
    rng = __import__("random").Random(3)
    for ref in (si, ee, rf):
        for _ in range(8):
            assert canonical_reference(printed(ref, rng)) == canonical_reference(ref)


def test_references_in_text_only_known_ones():
    inv = _invoice(5)
    known = {canonical_reference(inv.reference): 1}
    body = inv.reference[4:]
    assert references_in_text(f"plačilo SI12 {body[:4]} {body[4:]} 2026", known) == [
        canonical_reference(inv.reference)
    ]
    assert references_in_text("tel 041 123 456, SI12 999", known) == []


def test_names():
    assert names_agree("Mojca Novak", "NOVAK MOJCA, Ljubljana")
    assert names_agree("Špela Potočnik", "SPELA POTOCNIK")
    assert not names_agree("Mojca Novak", "Mojca Kranjc")
    assert not names_agree("", "anything")


def test_plan_partial_overpaid_several_and_in_order():
    a, b, c = (
        _invoice(1),
        _invoice(2),
        _invoice(3, amount=2000, paid=2000, state=S.ACTIVE, paid_school_year=2026),
    )
    plans = plan_entries(
        [
            _entry("k1", 1500, [a.reference]),  # partial
            _entry("k2", 700, [a.reference]),  # the rest, and 200 over
            _entry("k3", 4000, [b.reference, c.reference], amounts=[2000, 2000]),
            _entry("k4", 100, ["RF18539007547034"]),  # valid but not ours
            _entry("k5", 100, [], debtor="X", problem=DEBIT),
            _entry("k1", 1500, [a.reference]),  # the same entry twice in the file
        ],
        [a, b, c],
        imported={"zz"},
    )
    assert [p.outcome for p in plans] == [
        Outcome.PARTIAL,
        Outcome.OVERPAID,
        Outcome.OVERPAID,
        Outcome.UNMATCHED,
        Outcome.REFUSED,
        Outcome.ALREADY,
    ]
    assert plans[0].left_cents == 500 and not plans[0].activations
    assert plans[1].surplus_cents == 200 and plans[1].activations[0].state is S.ACTIVE
    assert plans[1].activations[0].activated_on == date(2026, 9, 20)
    assert [(x.invoice_id, x.amount_cents, x.surplus_cents) for x in plans[2].allocations] == [
        (2, 2000, 0),
        (3, 2000, 2000),
    ]


def test_suggestions_need_the_name_and_prefer_the_amount():
    a, b = _invoice(1, payer_name="Mojca Novak"), _invoice(2, payer_name="Mojca Novak", amount=3000)
    [plan] = plan_entries([_entry("k", 3000, debtor="NOVAK MOJCA")], [a, b])
    assert plan.outcome is Outcome.UNMATCHED and plan.suggestion == 2
    [plan] = plan_entries([_entry("k", 1000, debtor="NOVAK MOJCA")], [a, b])
    assert plan.suggestion is None  # two invoices of hers, neither for this amount
    [plan] = plan_entries([_entry("k", 2000, debtor="Someone Else")], [a, b])
    assert plan.suggestion is None  # the amount alone never suggests
    [plan] = plan_entries([_entry("k", 2000, debtor="Someone")], [a, b], assignments={"k": 1})
    assert plan.outcome is Outcome.MATCHED and plan.assigned


def test_a_cancelled_invoice_or_ended_subscription_is_all_surplus():
    a = _invoice(1, cancelled=True)
    b = _invoice(2, state=S.CANCELLED)
    plans = plan_entries(
        [_entry("k1", 2000, [a.reference]), _entry("k2", 900, [b.reference])], [a, b]
    )
    assert [p.surplus_cents for p in plans] == [2000, 900]
    assert all(not p.activations for p in plans)
