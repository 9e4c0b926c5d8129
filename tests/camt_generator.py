"""Bank statements for tests and benches: camt.053 / camt.054 in versions .001.02 and .001.08,
valid against the ISO 20022 schemas in tests/data/camt (see `validate`).

`build` writes any list of entries; `scenario` writes a realistic statement for a list of
invoices — Slovenian SI12 and RF or Estonian 7-3-1 references with and without spaces, in
the structured field or only in the text, partial and over-payments, several invoices paid
in one transfer, a batch entry, a payer without a reference, a refund going out (debit), a
payment in another currency, a pending entry — and says what a correct import must do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from lxml import etree

from desktop.domain.payment_refs import format_ee_reference, format_rf

VERSIONS = ("camt.053.001.02", "camt.053.001.08", "camt.054.001.02", "camt.054.001.08")
XSD_DIR = Path(__file__).parent / "data" / "camt"


@dataclass
class Tx:
    """One transaction: one TxDtls (a plain entry has exactly one)."""

    amount_cents: int
    references: list[str] = field(default_factory=list)
    referred_amounts: list[int | None] = field(default_factory=list)
    text: str = ""
    debtor_name: str = ""
    debtor_iban: str = ""
    end_to_end: str = ""
    tx_ref: str = ""  # the bank's reference of this transaction (batch entries)


@dataclass
class Entry:
    ref: str  # AcctSvcrRef
    txs: list[Tx]
    booked_on: date
    value_date: date | None = None
    credit: bool = True
    currency: str = "EUR"
    status: str = "BOOK"

    @property
    def amount_cents(self) -> int:
        return sum(t.amount_cents for t in self.txs)


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class _Maker:
    def __init__(self, ns: str):
        self.ns = ns

    def __call__(self, parent, tag: str, text: str | None = None, **attrib):
        el = etree.SubElement(parent, f"{{{self.ns}}}{tag}", attrib)
        if text is not None:
            el.text = text
        return el

    def path(self, parent, path: str, text: str | None = None, **attrib):
        *heads, last = path.split("/")
        for head in heads:
            parent = self(parent, head)
        return self(parent, last, text, **attrib)


def build(
    entries: list[Entry],
    *,
    version: str = "camt.053.001.02",
    account_iban: str,
    statement_id: str = "STMT-2026-09",
    message_id: str = "MSG-2026-09-30-001",
    created: datetime = datetime(2026, 9, 30, 18, 0, tzinfo=UTC),
    account_currency: str = "EUR",
) -> bytes:
    ns = f"urn:iso:std:iso:20022:tech:xsd:{version}"
    m = _Maker(ns)
    new = version.endswith(".08")
    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    body = m(root, "BkToCstmrStmt" if "053" in version else "BkToCstmrDbtCdtNtfctn")
    header = m(body, "GrpHdr")
    m(header, "MsgId", message_id)
    m(header, "CreDtTm", created.strftime("%Y-%m-%dT%H:%M:%S"))
    report = m(body, "Stmt" if "053" in version else "Ntfctn")
    m(report, "Id", statement_id)
    m(report, "CreDtTm", created.strftime("%Y-%m-%dT%H:%M:%S"))
    account = m(report, "Acct")
    m.path(account, "Id/IBAN", account_iban)
    m(account, "Ccy", account_currency)
    if "053" in version:
        days = [e.booked_on for e in entries] or [created.date()]
        for code, day in (("OPBD", min(days)), ("CLBD", max(days))):
            bal = m(report, "Bal")
            m.path(bal, "Tp/CdOrPrtry/Cd", code)
            m(bal, "Amt", "1000.00", Ccy=account_currency)
            m(bal, "CdtDbtInd", "CRDT")
            m.path(bal, "Dt/Dt", day.isoformat())
    for entry in entries:
        _entry(m, report, entry, new)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _entry(m: _Maker, report, entry: Entry, new: bool) -> None:
    ntry = m(report, "Ntry")
    m(ntry, "Amt", _amount(entry.amount_cents), Ccy=entry.currency)
    m(ntry, "CdtDbtInd", "CRDT" if entry.credit else "DBIT")
    if new:
        m.path(ntry, "Sts/Cd", entry.status)
    else:
        m(ntry, "Sts", entry.status)
    m.path(ntry, "BookgDt/Dt", entry.booked_on.isoformat())
    m.path(ntry, "ValDt/Dt", (entry.value_date or entry.booked_on).isoformat())
    m(ntry, "AcctSvcrRef", entry.ref)
    code = m.path(ntry, "BkTxCd/Domn/Cd", "PMNT").getparent()
    family = m(code, "Fmly")
    m(family, "Cd", "RCDT" if entry.credit else "ICDT")
    m(family, "SubFmlyCd", "ESCT")
    details = m(ntry, "NtryDtls")
    if len(entry.txs) > 1:
        batch = m(details, "Btch")
        m(batch, "NbOfTxs", str(len(entry.txs)))
    for tx in entry.txs:
        _tx(m, details, entry, tx, new)


def _tx(m: _Maker, details, entry: Entry, tx: Tx, new: bool) -> None:
    el = m(details, "TxDtls")
    refs = m(el, "Refs")
    if tx.tx_ref:
        m(refs, "AcctSvcrRef", tx.tx_ref)
    m(refs, "EndToEndId", tx.end_to_end or "NOTPROVIDED")
    if new:
        m(el, "Amt", _amount(tx.amount_cents), Ccy=entry.currency)
        m(el, "CdtDbtInd", "CRDT" if entry.credit else "DBIT")
    else:
        m.path(el, "AmtDtls/TxAmt/Amt", _amount(tx.amount_cents), Ccy=entry.currency)
    if tx.debtor_name or tx.debtor_iban:
        parties = m(el, "RltdPties")
        if tx.debtor_name:
            m.path(parties, "Dbtr/Pty/Nm" if new else "Dbtr/Nm", tx.debtor_name)
        if tx.debtor_iban:
            m.path(parties, "DbtrAcct/Id/IBAN", tx.debtor_iban)
    if tx.text or tx.references:
        info = m(el, "RmtInf")
        if tx.text:
            m(info, "Ustrd", tx.text[:140])
        amounts = tx.referred_amounts or [None] * len(tx.references)
        for ref, amount in zip(tx.references, amounts, strict=True):
            strd = m(info, "Strd")
            if amount is not None:
                m(m(strd, "RfrdDocAmt"), "RmtdAmt", _amount(amount), Ccy=entry.currency)
            cref = m(strd, "CdtrRefInf")
            m.path(cref, "Tp/CdOrPrtry/Cd", "SCOR")
            m(cref, "Ref", ref)


_SCHEMAS: dict[str, etree.XMLSchema] = {}


def validate(data: bytes) -> None:
    """Raise if `data` breaks its ISO 20022 schema (by its namespace)."""
    root = etree.fromstring(data)
    version = etree.QName(root).namespace.rsplit(":", 1)[1]
    schema = _SCHEMAS.get(version)
    if schema is None:
        schema = _SCHEMAS[version] = etree.XMLSchema(etree.parse(str(XSD_DIR / f"{version}.xsd")))
    schema.assertValid(root)


# ---- realistic statements ---------------------------------------------------------------------


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    reference: str  # as stored (compact)
    open_cents: int
    payer_name: str
    child_name: str


@dataclass
class Scenario:
    data: bytes
    entries: list[Entry]
    # entry key suffix (AcctSvcrRef / tx ref) → [(invoice id, cents)] that a correct import books
    expected: dict[str, list[tuple[int, int]]]
    unmatched: set[str]  # refs that must be left to a person
    refused: set[str]  # refs that must never be booked
    suggested: dict[str, int]  # refs whose only sensible suggestion is this invoice


FIRST = ["Mojca", "Ana", "Luka", "Jan", "Eva", "Nik", "Maarja", "Kadri", "Tiit", "Mart", "Špela"]
LAST = ["Novak", "Horvat", "Kranjc", "Zupan", "Tamm", "Saar", "Kask", "Mägi", "Potočnik"]


def printed(reference: str, rng: random.Random) -> str:
    """The reference as a payer types it: with or without spaces, in print groups or not."""
    style = rng.randrange(4)
    if reference.startswith("SI12"):
        body = reference[4:]
        return [
            f"SI12 {body}",
            f"SI12{body}",
            f"SI12 {body[:4]} {body[4:8]} {body[8:]}",
            f"si12 {body.lstrip('0')}",
        ][style]
    if reference.startswith("RF"):
        return [reference, format_rf(reference), reference.lower(), f" {format_rf(reference)} "][
            style
        ]
    return [
        reference,
        format_ee_reference(reference),
        f"{reference[:3]} {reference[3:]}",
        reference,
    ][style]


def scenario(
    invoices: list[OpenInvoice],
    *,
    account_iban: str,
    version: str = "camt.053.001.02",
    seed: int = 1,
    booked_on: date = date(2026, 9, 30),
    tricky: bool = True,
    prefix: str = "",
) -> Scenario:
    """A statement paying `invoices` in realistic ways, and what importing it must do."""
    rng = random.Random(seed)
    entries: list[Entry] = []
    expected: dict[str, list[tuple[int, int]]] = {}
    unmatched: set[str] = set()
    refused: set[str] = set()
    suggested: dict[str, int] = {}
    pending = list(invoices)
    rng.shuffle(pending)
    n = 0

    def ref() -> str:
        nonlocal n
        n += 1
        return f"{prefix}{booked_on:%Y%m%d}{n:07d}"

    def iban() -> str:
        return "SI56" + "".join(rng.choice("0123456789") for _ in range(15))

    while pending:
        inv = pending.pop()
        kind = rng.random() if tricky else 0.0
        r = ref()
        base = Tx(inv.open_cents, debtor_name=inv.payer_name, debtor_iban=iban())
        if kind < 0.55:  # the usual: the reference in the structured field
            base.references = [printed(inv.reference, rng)]
            base.text = f"Plačilo {inv.child_name}"
            expected[r] = [(inv.id, inv.open_cents)]
        elif kind < 0.65:  # the reference only in the text
            base.text = f"POPOLNI {inv.child_name} ref {printed(inv.reference, rng)}"
            expected[r] = [(inv.id, inv.open_cents)]
        elif kind < 0.72:  # partial
            base.amount_cents = max(1, inv.open_cents // 2)
            base.references = [printed(inv.reference, rng)]
            expected[r] = [(inv.id, base.amount_cents)]
        elif kind < 0.78:  # overpaid: the surplus waits as a refund proposal
            base.amount_cents = inv.open_cents + 500
            base.references = [printed(inv.reference, rng)]
            expected[r] = [(inv.id, base.amount_cents)]
        elif kind < 0.86 and pending:  # two invoices (two children) in one transfer
            other = pending.pop()
            base.amount_cents = inv.open_cents + other.open_cents
            base.references = [printed(inv.reference, rng), printed(other.reference, rng)]
            if rng.random() < 0.5:
                base.referred_amounts = [inv.open_cents, other.open_cents]
            expected[r] = [(inv.id, inv.open_cents), (other.id, other.open_cents)]
        elif kind < 0.92:  # no reference: a person decides (the payer's name suggests one)
            base.text = "šolnina"
            unmatched.add(r)
            suggested[r] = inv.id
        else:  # a batch entry: this payment and another in one booking
            tx2 = None
            if pending:
                other = pending.pop()
                tx2 = Tx(
                    other.open_cents,
                    references=[printed(other.reference, rng)],
                    debtor_name=other.payer_name,
                    tx_ref=f"{r}-2",
                )
                expected[f"{r}-2"] = [(other.id, other.open_cents)]
            base.references = [printed(inv.reference, rng)]
            if tx2 is None:
                expected[r] = [(inv.id, inv.open_cents)]
            else:
                base.tx_ref = f"{r}-1"
                expected[f"{r}-1"] = [(inv.id, inv.open_cents)]
            entries.append(Entry(r, [base] + ([tx2] if tx2 else []), booked_on))
            continue
        entries.append(Entry(r, [base], booked_on))
    if tricky:
        first = invoices[0] if invoices else None
        # a refund going out to a parent: money out, never a payment
        r = ref()
        entries.append(
            Entry(
                r,
                [
                    Tx(
                        500,
                        text="Vračilo preplačila",
                        references=[first.reference] if first else [],
                        debtor_name="eŠola d.o.o.",
                    )
                ],
                booked_on,
                credit=False,
            )
        )
        refused.add(r)
        # a payment in another currency, and one not booked yet
        r = ref()
        entries.append(
            Entry(
                r,
                [Tx(2000, references=[first.reference] if first else [])],
                booked_on,
                currency="USD",
            )
        )
        refused.add(r)
        r = ref()
        entries.append(
            Entry(
                r,
                [Tx(2000, references=[first.reference] if first else [])],
                booked_on,
                status="PDNG",
            )
        )
        refused.add(r)
        # a reference that is none of ours (valid, but another creditor's)
        r = ref()
        entries.append(
            Entry(
                r,
                [Tx(1234, references=["RF18539007547034"], debtor_name="Someone Else")],
                booked_on,
            )
        )
        unmatched.add(r)
    rng.shuffle(entries)
    data = build(entries, version=version, account_iban=account_iban, statement_id=f"S{seed}")
    return Scenario(data, entries, expected, unmatched, refused, suggested)
