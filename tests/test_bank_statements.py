"""Payments from the bank statement (R77, R79, R67, R122), on SQLite and PostgreSQL: generated
statements with tricky entries are previewed, confirmed, imported again (nothing changes),
and the invoices' open balances are compared with what was paid."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from desktop.db.models import AuditEntry, BankEntry, BillingProposal, Invoice, Payment
from desktop.domain import clock
from desktop.domain.bank_matching import Outcome
from desktop.domain.billing.records import ProposalKind, ProposalStatus
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.errors import PermissionDenied, ValidationError
from desktop.domain.roles import Role
from desktop.services.base import Actor
from desktop.services.container import Services
from tests.billing_fixtures import add_family, ee_iban, order_input, prepare_billing, si_iban
from tests.camt_generator import VERSIONS, Entry, OpenInvoice, Tx, build, scenario

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def _day():
    clock.install(clock.FixedClock(datetime(2026, 10, 1, 9, 0, tzinfo=UTC)))


def _families(s: Services, count: int, on: date = date(2026, 9, 10)) -> list[OpenInvoice]:
    terms = prepare_billing(s)
    out = []
    for i in range(count):
        last = "Novak" + chr(97 + i // 26) + chr(97 + i % 26)  # names have no digits
        family = add_family(s, date(2012, 1 + i % 12, 1 + i % 27), "Ana", last, 500 + 10 * i)
        sub = s.billing.order(order_input(family, terms, on))
        [(invoice_id, _n, reference, _a, owed)] = s.billing.open_invoices(sub.id)
        out.append(OpenInvoice(invoice_id, reference, owed, f"Mojca {last}", sub.child_name))
    return out


def _open(s: Services, invoices: list[OpenInvoice]) -> dict[int, int]:
    """Still owed per invoice id, from the billing service."""
    owed = {}
    with s.db.read() as session:
        from desktop.services.billing import paid_per_invoice

        paid = paid_per_invoice(session)
    for inv in invoices:
        owed[inv.id] = max(0, inv.open_cents - paid.get(inv.id, 0))
    return owed


def _counts(s: Services) -> tuple[int, ...]:
    with s.db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(m))
            for m in (Payment, BankEntry, BillingProposal, AuditEntry)
        )


def _refused_as_stale(s: Services, preview) -> None:
    """Confirming `preview` is refused, and nothing is stored."""
    before = _counts(s)
    with pytest.raises(ValidationError, match="changed since the preview"):
        s.bank_statements.confirm(preview)
    assert _counts(s) == before


@pytest.mark.parametrize("version", VERSIONS)
def test_generated_statement_books_right_and_twice_changes_nothing(services_si, version):
    s = services_si
    invoices = _families(s, 14)
    sc = scenario(invoices, account_iban=si_iban(), version=version, seed=7)
    preview = s.bank_statements.preview(sc.data, "september.xml")
    assert preview.statement.kind == version

    by_ref = {row.entry.entry_ref: row for row in preview.rows}
    # 0 wrong matches: every planned allocation is the truth, and all of the truth is planned
    for ref, truth in sc.expected.items():
        row = by_ref[ref]
        assert row.plan.outcome in (Outcome.MATCHED, Outcome.PARTIAL, Outcome.OVERPAID), ref
        assert sorted((a.invoice_id, a.amount_cents) for a in row.plan.allocations) == sorted(truth)
    for ref in sc.unmatched:
        assert by_ref[ref].plan.outcome is Outcome.UNMATCHED
        assert by_ref[ref].plan.suggestion in (None, sc.suggested.get(ref))
    for ref in sc.refused:
        assert by_ref[ref].plan.outcome is Outcome.REFUSED
        assert by_ref[ref].plan.reason
    assert preview.count(Outcome.ALREADY) == 0

    before = _counts(s)
    result = s.bank_statements.confirm(preview)
    assert result.entries_booked == len(sc.expected)
    assert result.left == len(sc.unmatched) and result.refused == len(sc.refused)

    # open balances afterwards equal what was paid
    paid: dict[int, int] = {}
    for truth in sc.expected.values():
        for invoice_id, cents in truth:
            paid[invoice_id] = paid.get(invoice_id, 0) + cents
    owed = _open(s, invoices)
    for inv in invoices:
        assert owed[inv.id] == max(0, inv.open_cents - paid.get(inv.id, 0)), inv
    # surpluses wait as refund proposals for a person (R79, R67)
    surplus = sum(r.plan.surplus_cents for r in preview.rows)
    proposals = [p for p in s.billing.proposals() if p.kind is ProposalKind.REFUND]
    assert sum(p.amount_cents for p in proposals) == surplus
    # subscriptions paid in full are active (R79)
    activated = {i for i, left in owed.items() if left == 0}
    with s.db.read() as session:
        from desktop.db.models import Subscription

        states = dict(
            session.execute(
                select(Invoice.id, Subscription.state).join(
                    Subscription, Subscription.id == Invoice.subscription_id
                )
            ).all()
        )
    for inv in invoices:
        expected = SubscriptionState.ACTIVE if inv.id in activated else SubscriptionState.ORDERED
        assert states[inv.id] is expected
    # audit entries name the statement and the bank's entry reference
    with s.db.read() as session:
        reasons = session.scalars(
            select(AuditEntry.reason).where(AuditEntry.entity == "payment")
        ).all()
    assert reasons and all(r.startswith("bank statement S7, entry ") for r in reasons)
    assert _counts(s) != before

    # the same statement again: everything already imported, nothing changes
    after = _counts(s)
    again = s.bank_statements.preview(sc.data, "september.xml")
    assert again.to_book == 0
    assert again.count(Outcome.ALREADY) == len(sc.expected)
    result = s.bank_statements.confirm(again)
    assert result.entries_booked == 0
    assert _counts(s)[:3] == after[:3]
    assert _open(s, invoices) == owed


def test_an_overlapping_notification_and_statement_book_once(services_si):
    s = services_si
    invoices = _families(s, 4)
    first = scenario(invoices[:2], account_iban=si_iban(), seed=1, tricky=False)
    s.bank_statements.confirm(s.bank_statements.preview(first.data))
    # the month's statement repeats those entries (same bank references) and adds two more
    later = scenario(invoices[2:], account_iban=si_iban(), seed=2, tricky=False, prefix="B")
    month = build(first.entries + later.entries, account_iban=si_iban(), version="camt.053.001.08")
    preview = s.bank_statements.preview(month)
    assert preview.count(Outcome.ALREADY) == len(first.expected)
    assert preview.to_book == len(later.expected)
    s.bank_statements.confirm(preview)
    assert all(left == 0 for left in _open(s, invoices).values())


def test_estonian_references_with_and_without_spaces(services):
    s = services  # an Estonian school: 7-3-1 reference numbers
    invoices = _families(s, 6)
    assert all(inv.reference.isdigit() for inv in invoices)
    entries = [
        Entry(
            f"EE{i}",
            [Tx(inv.open_cents, references=[ref], debtor_name=inv.payer_name)],
            date(2026, 9, 20),
        )
        for i, (inv, ref) in enumerate(
            zip(
                invoices,
                [
                    invoices[0].reference,
                    " ".join(
                        invoices[1].reference[i : i + 4]
                        for i in range(0, len(invoices[1].reference), 4)
                    ),
                    "00" + invoices[2].reference,
                    invoices[3].reference[:3] + " " + invoices[3].reference[3:],
                    invoices[4].reference,
                    invoices[5].reference,
                ],
                strict=True,
            )
        )
    ]
    data = build(entries, account_iban=ee_iban(), version="camt.054.001.02")
    preview = s.bank_statements.preview(data)
    assert [r.plan.outcome for r in preview.rows] == [Outcome.MATCHED] * 6
    s.bank_statements.confirm(preview)
    assert set(_open(s, invoices).values()) == {0}


def test_a_person_assigns_an_unmatched_entry(services_si):
    s = services_si
    [inv, other] = _families(s, 2)
    entry = Entry(
        "X1", [Tx(inv.open_cents, text="za Ano", debtor_name=inv.payer_name)], date(2026, 9, 20)
    )
    data = build([entry], account_iban=si_iban())
    preview = s.bank_statements.preview(data)
    [row] = preview.rows
    assert row.plan.outcome is Outcome.UNMATCHED and row.plan.suggestion == inv.id
    assert {i.id for i in preview.open_invoices} == {inv.id, other.id}
    # left alone: nothing is stored, and it is offered again next time
    assert s.bank_statements.confirm(preview).entries_booked == 0
    preview = s.bank_statements.reassign(s.bank_statements.preview(data), {row.entry.key: inv.id})
    assert preview.rows[0].plan.outcome is Outcome.MATCHED and preview.rows[0].plan.assigned
    assert s.bank_statements.confirm(preview).entries_booked == 1
    assert _open(s, [inv, other]) == {inv.id: 0, other.id: other.open_cents}
    with s.db.read() as session:
        stored = session.scalars(select(BankEntry)).one()
    assert stored.assigned and stored.invoice_id == inv.id


def test_confirm_refuses_when_the_invoices_changed_since_the_preview(services_si):
    from desktop.domain.billing.records import PaymentMethod
    from desktop.services.billing import PaymentInput

    s = services_si
    [inv] = _families(s, 1)
    data = build(
        [Entry("A1", [Tx(inv.open_cents, references=[inv.reference])], date(2026, 9, 20))],
        account_iban=si_iban(),
    )
    preview = s.bank_statements.preview(data)
    s.billing.record_payment(
        PaymentInput(500, PaymentMethod.TRANSFER, date(2026, 9, 21), reference=inv.reference)
    )
    _refused_as_stale(s, preview)


def test_a_preview_confirmed_twice_books_once(services_si):
    """Two PCs preview the same statement; the second confirm books nothing (R122)."""
    s = services_si
    invoices = _families(s, 3)
    data = scenario(invoices, account_iban=si_iban(), seed=5, tricky=False).data
    first, second = s.bank_statements.preview(data), s.bank_statements.preview(data)
    s.bank_statements.confirm(first)
    owed = _open(s, invoices)
    _refused_as_stale(s, second)
    assert _open(s, invoices) == owed


def test_confirm_refuses_a_bank_reference_typed_in_meanwhile(services_si):
    from desktop.domain.billing.records import PaymentMethod
    from desktop.services.billing import PaymentInput

    s = services_si
    [inv, other] = _families(s, 2)
    data = build(
        [Entry("T1", [Tx(inv.open_cents, references=[inv.reference])], date(2026, 9, 20))],
        account_iban=si_iban(),
    )
    preview = s.bank_statements.preview(data)
    # the same transfer typed in by hand, on another invoice, with the bank's reference
    s.billing.record_payment(
        PaymentInput(
            inv.open_cents,
            PaymentMethod.TRANSFER,
            date(2026, 9, 21),
            reference=other.reference,
            processor_txn_id=preview.rows[0].entry.entry_ref,
        )
    )
    _refused_as_stale(s, preview)


def test_paid_in_full_overtakes_an_open_proposal_to_end_the_subscription(services_si):
    """R79: the payment activates the order; the open proposal to let it lapse is obsolete."""
    s = services_si
    [inv, other] = _families(s, 2)
    with s.db.write("tester") as session:
        for paid in (inv, other):
            sub_id = session.get(Invoice, paid.id).subscription_id
            session.add(
                BillingProposal(
                    subscription_id=sub_id,
                    student_id=session.get(Invoice, paid.id).student_id,
                    kind=ProposalKind.LAPSE_UNPAID,
                    cycle="2026",
                    proposed_on=date(2026, 9, 25),
                )
            )
    data = build(
        [Entry("L1", [Tx(inv.open_cents, references=[inv.reference])], date(2026, 9, 26))],
        account_iban=si_iban(),
    )
    assert s.bank_statements.confirm(s.bank_statements.preview(data)).activated == 1
    with s.db.read() as session:
        statuses = dict(
            session.execute(
                select(Invoice.id, BillingProposal.status).join(
                    BillingProposal, BillingProposal.subscription_id == Invoice.subscription_id
                )
            ).all()
        )
        reasons = session.scalars(
            select(AuditEntry.reason).where(
                AuditEntry.entity == "billing_proposal", AuditEntry.action == "update"
            )
        ).all()
    assert statuses == {inv.id: ProposalStatus.OBSOLETE, other.id: ProposalStatus.OPEN}
    assert len(reasons) == 1 and reasons[0].endswith(", entry L1")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"%PDF-1.7 not xml", "not an XML file"),
        (b'<?xml version="1.0"?><html><body/></html>', "not a bank statement"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>', "not a bank"),
    ],
)
def test_bad_files_are_refused_in_one_line(services_si, data, message):
    s = services_si
    prepare_billing(s)
    before = _counts(s)
    with pytest.raises(ValidationError, match=message) as info:
        s.bank_statements.preview(data)
    assert "\n" not in str(info.value)
    assert _counts(s) == before


def test_truncated_foreign_currency_and_other_account_are_refused(services_si):
    s = services_si
    invoices = _families(s, 3)
    good = scenario(invoices, account_iban=si_iban(), seed=3).data
    with pytest.raises(ValidationError, match="damaged or cut short"):
        s.bank_statements.preview(good[: len(good) // 2])
    usd = build(
        [Entry("U1", [Tx(2000)], date(2026, 9, 1))], account_iban=si_iban(), account_currency="USD"
    )
    with pytest.raises(ValidationError, match="kept in USD"):
        s.bank_statements.preview(usd)
    other = build([Entry("O1", [Tx(2000)], date(2026, 9, 1))], account_iban=ee_iban())
    with pytest.raises(ValidationError, match="not of the billing account"):
        s.bank_statements.preview(other)
    assert _counts(s)[:3] == (0, 0, 0)


def test_only_the_billing_role_imports(services_si, db):
    s = services_si
    prepare_billing(s)
    office = Services(db, Actor("office", "Office", frozenset({Role.OFFICE})))
    with pytest.raises(PermissionDenied):
        office.bank_statements.preview(build([], account_iban=si_iban()))


def test_overpayment_becomes_a_refund_proposal_and_the_person_confirms(services_si):
    s = services_si
    [inv] = _families(s, 1)
    data = build(
        [Entry("P1", [Tx(inv.open_cents + 700, references=[inv.reference])], date(2026, 9, 20))],
        account_iban=si_iban(),
    )
    preview = s.bank_statements.preview(data)
    assert preview.rows[0].plan.outcome is Outcome.OVERPAID
    assert preview.rows[0].plan.surplus_cents == 700
    s.bank_statements.confirm(preview)
    [proposal] = s.billing.proposals()
    assert proposal.kind is ProposalKind.REFUND and proposal.amount_cents == 700
    assert proposal.status is ProposalStatus.OPEN  # R67: waits for a person
    decided = s.billing.confirm(proposal.id, proposal.version)
    assert decided.decided_by == s.actor.login


def test_cli_dry_run_then_import_then_again(services_si, tmp_path, capsys):
    from desktop.cli import main

    s = services_si
    invoices = _families(s, 5)
    sc = scenario(invoices, account_iban=si_iban(), seed=11, version="camt.053.001.08")
    path = tmp_path / "izpisek.xml"
    path.write_bytes(sc.data)
    url = s.db.engine.url.render_as_string(hide_password=False)
    run = ["--database", url, "billing", "import-statement", str(path)]
    assert main([*run, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing was recorded" in out and "money out (debit)" in out
    assert ": Paid – invoice " in out  # the dialog's words, not the outcome's stored value
    assert not re.search(r": (matched|partial|overpaid|unmatched|already|refused) –", out)
    assert _counts(s)[:3] == (0, 0, 0)
    assert main(run) == 0
    out = capsys.readouterr().out
    assert f"{len(sc.expected)} entries booked" in out
    assert main(run) == 0
    assert "0 entries booked" in capsys.readouterr().out
    assert main(["--database", url, "billing", "import-statement", str(tmp_path / "no.xml")]) == 1
    assert "cannot be read" in capsys.readouterr().err


# ---- personal data in the bank entries: the data-access copy and the retention path -----------


def _paid_by_the_mother(s: Services):
    """A family whose order the mother (Mojca Novak) pays by transfer from her account."""
    terms = prepare_billing(s)
    family = add_family(s)
    sub = s.billing.order(order_input(family, terms, date(2024, 10, 2)))
    [(_id, _n, reference, _a, owed)] = s.billing.open_invoices(sub.id)
    data = build(
        [
            Entry(
                "M1",
                [
                    Tx(
                        owed,
                        references=[reference],
                        debtor_name="NOVAK MOJCA",
                        debtor_iban="SI56 0310 0100 0000 123",
                        text="naročnina Žiga",
                    )
                ],
                date(2024, 10, 3),
            )
        ],
        account_iban=si_iban(),
    )
    assert s.bank_statements.confirm(s.bank_statements.preview(data)).entries_booked == 1
    return family, sub.id, data


def test_the_data_access_copy_lists_the_transfers_and_the_payer_sees_their_own(services_si):
    s = services_si
    family, _sub_id, _data = _paid_by_the_mother(s)
    by_mother = {
        x.key: x for x in s.access_export.collect(family.student_id, family.mother_id).sections
    }
    [row] = by_mother["bank_transfers"].rows
    assert row["debtor_name"] == "NOVAK MOJCA" and row["debtor_iban"] == "SI56031001000000123"
    assert row["text"] == "naročnina Žiga" and row["booked_on"] == date(2024, 10, 3)
    assert row["amount_cents"] > 0 and row["reference"]
    # GDPR Art. 15(4): the father's copy shows the transfer, not who paid from which account
    by_father = {
        x.key: x for x in s.access_export.collect(family.student_id, family.father_id).sections
    }
    [row] = by_father["bank_transfers"].rows
    assert row["debtor_name"] is None and row["debtor_iban"] is None and row["text"] is None
    assert row["amount_cents"] > 0


def test_removing_the_payer_data_leaves_no_name_or_account_in_the_bank_entries(services_si):
    s = services_si
    family, sub_id, data = _paid_by_the_mother(s)
    student = s.roster.get(family.student_id)
    s.roster.mark_left(student.id, student.version, date(2025, 2, 10))
    with s.db.write("tester") as session:
        s.retention.propose_due(session, date(2032, 1, 1))
    [proposal] = s.retention.proposals()
    assert proposal.record_id == str(sub_id)
    s.retention.decide(proposal.id, proposal.version, confirm=True)
    with s.db.read() as session:
        [entry] = session.scalars(select(BankEntry)).all()
    assert (entry.debtor_name, entry.debtor_iban, entry.text) == ("", "", "")
    assert entry.amount_cents > 0 and entry.entry_key  # the amounts and the key stay (R122)
    # the same statement again still books nothing
    again = s.bank_statements.preview(data)
    assert again.count(Outcome.ALREADY) == 1 and again.to_book == 0
