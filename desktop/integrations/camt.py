"""ISO 20022 bank statements: camt.053 (statement), camt.054 (debit/credit notification) and
camt.052 (intraday report), read into plain records. Pure: bytes in, records out; no database.

Read with lxml (libxml2): a maintained, fast C parser, configured here so that a file cannot
reach the network or the disk (no DTD, no external entities); the entries are then written
out in one pass by a stylesheet of ours (libxslt), which may read nothing else. The reader is
tolerant of the differences between message versions that matter to us:

- .001.02: `Sts` is a code, the debtor is `RltdPties/Dbtr/Nm`, the transaction amount sits in
  `AmtDtls/TxAmt/Amt`;
- .001.08 and later: `Sts/Cd`, `RltdPties/Dbtr/Pty/Nm`, `TxDtls/Amt`.

Every version from .001.02 to .001.13 of the three messages is accepted, as they share these
elements. A file that is no XML, is cut short, or is another XML document is refused as a
whole with one line (ValidationError on the field "statement"); an entry that cannot be a
payment (money out, another currency, not booked, a bank's reversal, an unreadable amount)
keeps its record, with the reason in `problem`, and the matcher never books it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, NamedTuple

from lxml import etree

from desktop.domain.errors import ValidationError
from desktop.domain.money import parse_cents
from desktop.i18n import N_  # refusals are shown translated by the UI

# One bank entry of more than this is not a school payment; parse_cents refuses it.
MAX_ENTRY_CENTS = 10_000_000_000  # 100 million €
_NS = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.05([234])\.001\.(\d\d)")
_REPORT = {
    "3": ("BkToCstmrStmt", "Stmt"),
    "4": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    "2": ("BkToCstmrAcctRpt", "Rpt"),
}

# Problems with one entry (stored in English; the UI shows them translated).
DEBIT = N_("money out (debit), not a payment")
NOT_BOOKED = N_("not booked by the bank yet")
REVERSAL = N_("a reversal by the bank")


@dataclass(frozen=True)
class Remittance:
    """One structured reference (`Strd/CdtrRefInf/Ref`) and the amount the payer gave for it."""

    reference: str
    amount_cents: int | None = None


@dataclass(frozen=True)
class StatementEntry:
    """One booking on the account; a batch entry gives one record per transaction in it."""

    key: str  # unique for this account: the bank's reference (AcctSvcrRef), see _entry_key
    entry_ref: str  # the bank's reference as written in the file
    booked_on: date | None
    value_date: date | None
    amount_cents: int  # 0 when unreadable (then `problem` says so)
    currency: str
    credit: bool
    remittances: tuple[Remittance, ...]  # structured references, as given
    text: str  # the unstructured remittance lines, joined
    debtor_name: str
    debtor_iban: str
    end_to_end_id: str = ""
    problem: str = ""  # why this entry cannot be booked as a payment ("" = it can)

    @property
    def references(self) -> tuple[str, ...]:
        return tuple(r.reference for r in self.remittances)

    @property
    def day(self) -> date | None:
        """The day the money counts from: the value date, else the booking date."""
        return self.value_date or self.booked_on


@dataclass(frozen=True)
class Statement:
    kind: str  # "camt.053.001.02"
    message_id: str
    statement_id: str  # Stmt/Id (the statement's own number)
    account_iban: str
    currency: str  # the account's currency ("" when the file does not say)
    entries: tuple[StatementEntry, ...]
    sha256: str

    @property
    def label(self) -> str:
        """How a person names it: the statement's id, else the message's."""
        return self.statement_id or self.message_id


def _refuse(reason: str, value: object = "") -> ValidationError:
    return ValidationError("statement", value, reason)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


class _Reader:
    """Elements and texts of the message's and the reports' headers by paths written without
    prefixes ("Acct/Id/IBAN"): each element's subtree is walked once into a dict of path →
    first element. The entries are read by _Layout."""

    def __init__(self, ns: str):
        self.ns = ns
        self.cut = len(ns) + 2  # "{ns}"
        self._flat: dict[object, dict[str, object]] = {}

    def _walk(self, element, prefix: str, out: dict[str, object], skip=()) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            name = prefix + tag[self.cut :]
            if name in skip:
                continue
            out.setdefault(name, child)
            if len(child):
                self._walk(child, name + "/", out)

    def flat(self, element) -> dict[str, object]:
        found = self._flat.get(element)
        if found is None:
            found = self._flat[element] = {}
            self._walk(element, "", found)
        return found

    def shallow(self, element, skip: tuple[str, ...]) -> None:
        """Read `element` without the children named in `skip` (a report without its entries)."""
        self._flat[element] = found = {}
        self._walk(element, "", found, skip)

    def findall(self, element, name: str):
        """The children called `name` (one step, no path)."""
        tag = f"{{{self.ns}}}{name}"
        return [child for child in element if child.tag == tag]

    def text(self, element, *paths: str) -> str:
        """The first non-empty text among `paths`, whitespace collapsed ("" if none)."""
        if element is None:
            return ""
        flat = self.flat(element)
        for path in paths:
            node = flat.get(path)
            if node is not None and node.text and not node.text.isspace():
                return " ".join(node.text.split())
        return ""


def _date(text: str) -> date | None:
    """'2026-09-15' or '2026-09-15T10:20:00+02:00' (the bank's local day is the one written)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _cents(text: str) -> int | None:
    """An XML decimal ('20.00', '20.5', '20.000') in cents with the one money parser (R5)."""
    text = text.strip()
    whole, dot, fraction = text.partition(".")
    if dot and len(fraction) > 2 and set(fraction[2:]) <= {"0"}:
        text = f"{whole}.{fraction[:2]}"
    try:
        return parse_cents(text, maximum=MAX_ENTRY_CENTS)
    except ValidationError:
        return None


def read_statement(data: bytes) -> Statement:
    """The statement in `data` (a camt.053, .054 or .052 file), or ValidationError("statement")
    with one line saying why the file cannot be read."""
    if not data.strip():
        raise _refuse(N_("the file is empty"))
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if data.lstrip()[:1] != b"<":
            raise _refuse(
                N_("this is not an XML file; banks export statements as camt.053 XML")
            ) from None
        raise _refuse(
            N_("the file is damaged or cut short (line {line})", line=exc.lineno or 0)
        ) from None
    tag = etree.QName(root)
    match = _NS.fullmatch(tag.namespace or "")
    if tag.localname != "Document" or match is None:
        raise _refuse(
            N_("this XML file is not a bank statement (camt.053 or camt.054)"),
            tag.namespace or tag.localname,
        )
    message, version = match.groups()
    kind = f"camt.05{message}.001.{version}"
    if not 2 <= int(version) <= 13:
        raise _refuse(N_("this statement version is not supported: {kind}", kind=kind), kind)
    r = _Reader(tag.namespace)
    wrapper, report_tag = _REPORT[message]
    body = next(iter(r.findall(root, wrapper)), None)
    if body is None:
        raise _refuse(N_("this XML file is not a bank statement (camt.053 or camt.054)"), kind)
    reports = r.findall(body, report_tag)
    if not reports:
        raise _refuse(N_("the statement has no account report in it"), kind)
    message_id = r.text(next(iter(r.findall(body, "GrpHdr")), None), "MsgId")
    entries: list[StatementEntry] = []
    ibans, currencies, ids = set(), set(), []
    for report, report_entries in zip(
        reports, _Layout.of(r.ns, wrapper, report_tag).entries(root), strict=True
    ):
        r.shallow(report, skip=("Ntry",))
        iban = r.text(report, "Acct/Id/IBAN", "Acct/Id/Othr/Id").replace(" ", "").upper()
        currency = r.text(report, "Acct/Ccy").upper()
        if currency and currency != "EUR":
            raise _refuse(
                N_(
                    "the account is kept in {currency}; only euro accounts can be imported",
                    currency=currency,
                ),
                currency,
            )
        ibans.add(iban)
        currencies.add(currency)
        ids.append(r.text(report, "Id"))
        for number, (entry, details) in enumerate(report_entries, start=1):
            entries.extend(_entry(entry, details, iban, f"{ids[-1]}#{number}"))
    if len(ibans) > 1:
        raise _refuse(N_("the file holds statements of several accounts; import one at a time"))
    return Statement(
        kind,
        message_id,
        ", ".join(i for i in ids if i),
        ibans.pop() if ibans else "",
        "EUR" if "EUR" in currencies else "",
        tuple(entries),
        hashlib.sha256(data).hexdigest(),
    )


# Separators in the text the stylesheet writes: Unicode noncharacters, never in a bank's text.
_FIELD, _LINE, _REF, _TX_SEP, _ENTRY_SEP, _REPORT_SEP = (chr(0xFDD0 + i) for i in range(6))
_ENTRY = (
    "Amt",
    "Amt/@Ccy",
    "CdtDbtInd",
    "Sts",
    "RvslInd",
    "BookgDt",
    "ValDt",
    "AcctSvcrRef",
    "NtryRef",
)
_TX = (
    "Refs/AcctSvcrRef",
    "Refs/EndToEndId",
    "Refs/TxId",
    "Amt",
    "Amt/@Ccy",
    "AmtDtls/TxAmt/Amt",
    "AmtDtls/TxAmt/Amt/@Ccy",
    "CdtDbtInd",
    "RltdPties/Dbtr/Pty/Nm",
    "RltdPties/Dbtr/Nm",
    "RltdPties/UltmtDbtr/Pty/Nm",
    "RltdPties/UltmtDbtr/Nm",
    "RltdPties/DbtrAcct/Id/IBAN",
)
_STRD = ("CdtrRefInf/Ref", "RfrdDocAmt/RmtdAmt", "RfrdDocAmt/DuePyblAmt")
_NO_TX = ("",) * len(_TX)


class _Tx(NamedTuple):
    fields: tuple[str, ...]  # the values of _TX, in order
    lines: tuple[str, ...]  # the unstructured remittance lines (Ustrd), as written
    strds: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (_STRD values, AddtlRmtInf)


class _Layout:
    """Every field of every entry, transaction and structured reference, written out by one
    XSLT run (libxslt, in C) as text with separators: one pass over the document instead of
    tens of thousands of XPath calls. The stylesheet is ours and may read nothing else."""

    _cache: ClassVar[dict[tuple[str, str, str], _Layout]] = {}

    def __init__(self, ns: str, wrapper: str, report: str):
        def fields(paths) -> str:
            values = []
            for path in paths:
                steps = "/".join(p if p.startswith("@") else f"c:{p}" for p in path.split("/"))
                values.append(f'<xsl:value-of select="normalize-space({steps})"/>')
            return f"<xsl:text>{_FIELD}</xsl:text>".join(values)

        def lines(path: str) -> str:
            return (
                f'<xsl:for-each select="{path}"><xsl:text>{_LINE}</xsl:text>'
                '<xsl:value-of select="."/></xsl:for-each>'
            )

        sheet = f"""<xsl:stylesheet version="1.0"
            xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:c="{ns}">
          <xsl:output method="text" encoding="UTF-8"/>
          <xsl:template match="/">
            <xsl:for-each select="c:Document/c:{wrapper}[1]/c:{report}">
              <xsl:text>{_REPORT_SEP}</xsl:text>
              <xsl:for-each select="c:Ntry">
                <xsl:text>{_ENTRY_SEP}</xsl:text>{fields(_ENTRY)}
                <xsl:for-each select="c:NtryDtls/c:TxDtls">
                  <xsl:text>{_TX_SEP}</xsl:text>{fields(_TX)}<xsl:text>{_FIELD}</xsl:text>
                  {lines("c:RmtInf/c:Ustrd")}
                  <xsl:for-each select="c:RmtInf/c:Strd">
                    <xsl:text>{_REF}</xsl:text>{fields(_STRD)}<xsl:text>{_FIELD}</xsl:text>
                    {lines("c:AddtlRmtInf")}
                  </xsl:for-each>
                </xsl:for-each>
              </xsl:for-each>
            </xsl:for-each>
          </xsl:template>
        </xsl:stylesheet>"""
        self.transform = etree.XSLT(
            etree.XML(sheet), access_control=etree.XSLTAccessControl.DENY_ALL
        )

    @classmethod
    def of(cls, ns: str, wrapper: str, report: str) -> _Layout:
        key = (ns, wrapper, report)
        if key not in cls._cache:
            cls._cache[key] = cls(ns, wrapper, report)
        return cls._cache[key]

    def entries(self, root) -> list[list[tuple[list[str], list[_Tx]]]]:
        """Per report, its entries: (the values of _ENTRY, the transactions)."""
        text = str(self.transform(root))
        return [
            [_split_entry(entry) for entry in report.split(_ENTRY_SEP)[1:]]
            for report in text.split(_REPORT_SEP)[1:]
        ]


def _split_entry(text: str) -> tuple[list[str], list[_Tx]]:
    head, *txs = text.split(_TX_SEP)
    details = []
    for tx in txs:
        tx_head, *strds = tx.split(_REF)
        *fields, ustrd = tx_head.split(_FIELD)
        details.append(
            _Tx(
                tuple(fields),
                tuple(ustrd.split(_LINE)[1:]),
                tuple(_split_strd(strd) for strd in strds),
            )
        )
    return head.split(_FIELD), details


def _split_strd(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    *fields, extra = text.split(_FIELD)
    return tuple(fields), tuple(extra.split(_LINE)[1:])


def _entry(entry: list[str], txs: list[_Tx], iban: str, position: str) -> list[StatementEntry]:
    (amount, entry_currency, indicator, status, reversal, booked, value, acct_ref, ntry_ref) = entry
    entry_cents = _cents(amount) if amount else None
    entry_currency = entry_currency.upper()
    credit = indicator == "CRDT"
    reversal = reversal.lower() in ("true", "1")
    booked, value = _date(booked), _date(value)
    entry_ref = acct_ref or ntry_ref
    details = txs or [_Tx(_NO_TX, (), ())]
    records = []
    for index, tx in enumerate(details, start=1):
        (
            tx_ref,
            end_to_end,
            tx_id,
            tx_amount,
            tx_ccy,
            old_amount,
            old_ccy,
            tx_indicator,
            dbtr_pty,
            dbtr,
            ultimate_pty,
            ultimate,
            debtor_iban,
        ) = tx.fields
        if end_to_end.upper() == "NOTPROVIDED":
            end_to_end = ""
        if tx_ref and len(details) > 1:
            ref = tx_ref
        elif entry_ref:
            ref = entry_ref if len(details) == 1 else f"{entry_ref}/{index}"
        else:
            ref = tx_ref or tx_id
        cents, currency = entry_cents, entry_currency
        if (len(details) > 1 or cents is None) and (tx_amount or old_amount):
            cents = _cents(tx_amount or old_amount)
            currency = (tx_ccy if tx_amount else old_ccy).upper()
        tx_credit = tx_indicator == "CRDT" if tx_indicator else credit
        remittances, text = _remittance(tx)
        debtor = dbtr_pty or dbtr or ultimate_pty or ultimate
        debtor_iban = debtor_iban.replace(" ", "").upper()
        problem = ""
        if not tx_credit:
            problem = DEBIT
        elif currency != "EUR":
            problem = N_("in {currency}, not in euros", currency=currency or "?")
        elif status and status not in ("BOOK", "BOOKED"):
            problem = NOT_BOOKED
        elif reversal:
            problem = REVERSAL
        elif cents is None:
            problem = N_("the amount cannot be read")
        if not ref:
            # No reference from the bank: the entry's content must stand in for one, so
            # that the same entry read again is still recognised (R122).
            ref = (
                "H"
                + hashlib.sha256(
                    "|".join(
                        (
                            position,
                            str(index),
                            str(booked),
                            str(cents),
                            debtor_iban,
                            text,
                            ",".join(x.reference for x in remittances),
                        )
                    ).encode()
                ).hexdigest()[:32]
            )
        records.append(
            StatementEntry(
                key=_entry_key(iban, ref),
                entry_ref=ref,
                booked_on=booked,
                value_date=value,
                amount_cents=cents or 0,
                currency=currency,
                credit=tx_credit,
                remittances=remittances,
                text=text,
                debtor_name=debtor,
                debtor_iban=debtor_iban,
                end_to_end_id=end_to_end,
                problem=problem,
            )
        )
    return records


def _entry_key(iban: str, ref: str) -> str:
    """The bank's reference is unique per account, not across banks: the key names both."""
    return f"{iban}:{ref}"[:120]


def _remittance(tx: _Tx) -> tuple[tuple[Remittance, ...], str]:
    lines = [" ".join(u.split()) for u in tx.lines]
    remittances = []
    for (ref, remitted, due), extra in tx.strds:
        if not ref:
            continue
        amount = remitted or due
        remittances.append(Remittance(ref, _cents(amount) if amount else None))
        lines.extend(" ".join(t.split()) for t in extra)
    return tuple(remittances), " ".join(line for line in lines if line)
