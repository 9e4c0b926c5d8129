"""Matching bank entries to invoices (R77, R79, R67, R122). Pure: facts in, a plan out.

An entry is matched by its payment reference only: the structured reference the bank gives
(SI12, RF or the Estonian 7-3-1 number; spaces, hyphens and leading zeros do not matter), or,
when there is none, a reference written in the payment's text. Amount and payer name never
book money by themselves: they only *suggest* an invoice, and a person decides (R67).

The plan says, for every entry, what confirming would do: which invoices it pays and how
much is left on each, the surplus that becomes a refund proposal (R79), or why it is left
alone (no reference, a reference that is not ours, already imported, money out...). Entries
are planned in the order of the file, so two payments of one invoice in one statement see
each other.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from desktop.domain.billing.records import InvoiceKind
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.roster import fold_search
from desktop.domain.settlement import Standing, activation, may_settle, split_payment
from desktop.i18n import N_  # reasons are shown translated by the UI


class Outcome(StrEnum):
    MATCHED = "MATCHED"  # pays its invoice(s) exactly
    PARTIAL = "PARTIAL"  # some balance is left on an invoice
    OVERPAID = "OVERPAID"  # a surplus: proposed as a refund (R79, R67)
    UNMATCHED = "UNMATCHED"  # a person assigns it or leaves it
    ALREADY = "ALREADY"  # imported before (R122)
    REFUSED = "REFUSED"  # not a payment at all (money out, another currency...)


BOOKED = frozenset({Outcome.MATCHED, Outcome.PARTIAL, Outcome.OVERPAID})

# What each outcome is called where a person reads it (the import dialog, the CLI's lines).
OUTCOME_LABELS = {
    Outcome.MATCHED: N_("Paid"),
    Outcome.PARTIAL: N_("Part paid"),
    Outcome.OVERPAID: N_("Overpaid: refund proposed"),
    Outcome.UNMATCHED: N_("Not matched"),
    Outcome.ALREADY: N_("Already imported"),
    Outcome.REFUSED: N_("Not a payment"),
}

NO_REFERENCE = N_("no payment reference")
NOT_OURS = N_("no invoice has this reference")
ALREADY_IMPORTED = N_("already imported")
RECORDED_BY_HAND = N_("already recorded as a payment with this bank reference")
TWICE_IN_FILE = N_("the same bank entry appears twice in the file")


@dataclass(frozen=True)
class InvoiceFacts:
    """What matching needs to know of one invoice and its subscription."""

    id: int
    number: str
    reference: str
    subscription_id: int
    student_id: int
    kind: InvoiceKind
    school_year: int
    amount_cents: int
    paid_cents: int
    cancelled: bool
    state: SubscriptionState
    paid_school_year: int | None
    ordered_on: date | None
    activated_on: date | None
    child_name: str = ""
    payer_name: str = ""

    @property
    def open_cents(self) -> int:
        return max(0, self.amount_cents - self.paid_cents)

    @property
    def settleable(self) -> bool:
        return may_settle(self.cancelled, self.state)


@dataclass(frozen=True)
class Allocation:
    invoice_id: int
    invoice_number: str
    amount_cents: int  # recorded as one payment on this invoice
    left_cents: int  # still owed on it afterwards
    surplus_cents: int = 0  # of amount_cents: more than was owed → refund proposal (R79)


@dataclass(frozen=True)
class Activation:
    """R79: the invoice is now paid in full; the subscription becomes ACTIVE."""

    subscription_id: int
    invoice_id: int
    before: SubscriptionState
    state: SubscriptionState
    paid_school_year: int
    activated_on: date | None  # set only when it had none (R88: P starts here)


@dataclass(frozen=True)
class EntryPlan:
    key: str
    outcome: Outcome
    allocations: tuple[Allocation, ...] = ()
    reason: str = ""  # why it is unmatched, refused or already imported
    suggestion: int | None = None  # an invoice id suggested by amount and payer (R67)
    assigned: bool = False  # a person chose the invoice
    activations: tuple[Activation, ...] = ()

    @property
    def surplus_cents(self) -> int:
        return sum(a.surplus_cents for a in self.allocations)

    @property
    def left_cents(self) -> int:
        return sum(a.left_cents for a in self.allocations)

    @property
    def invoice_ids(self) -> tuple[int, ...]:
        return tuple(a.invoice_id for a in self.allocations)


# ---- references -------------------------------------------------------------------------------

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_TOKEN = re.compile(r"[0-9A-Z]+")


def canonical_reference(text: str) -> str:
    """One spelling per reference, so that 'SI12 0260000001 7', 'si12260000017' and the
    stored 'SI120260000000017' compare equal; '' for something that is no reference.

    SI models: the model and the number without leading zeros (they do not change the check
    digit). RF: compact. The Estonian number: digits without leading zeros."""
    compact = _NOT_ALNUM.sub("", (text or "").upper())
    if len(compact) < 2:
        return ""
    if compact.startswith("SI") and compact[2:4].isdigit():
        body = compact[4:]
        return f"SI{compact[2:4]}:{body.lstrip('0')}" if body.isdigit() and body else ""
    if compact.startswith("RF") and compact[2:4].isdigit() and len(compact) > 4:
        return compact
    if compact.isdigit():
        stripped = compact.lstrip("0")
        return f"N:{stripped}" if len(stripped) >= 2 else ""
    return ""


def references_in_text(text: str, known: Mapping[str, object], max_tokens: int = 6) -> list[str]:
    """Known references written in a payment's free text ('Plačilo SI12 0260 0000 0017, Ana'),
    longest first, without overlaps. Only references in `known` count: a number that merely
    looks like one is never taken for one."""
    tokens = _TOKEN.findall((text or "").upper())
    found: list[str] = []
    i = 0
    while i < len(tokens):
        for j in range(min(len(tokens), i + max_tokens), i, -1):
            key = canonical_reference("".join(tokens[i:j]))
            if key and key in known:
                if key not in found:
                    found.append(key)
                i = j
                break
        else:
            i += 1
    return found


# ---- names ------------------------------------------------------------------------------------


_NOT_WORD = re.compile(r"[^\w]+")


def _words(name: str) -> frozenset[str]:
    return frozenset(w for w in _NOT_WORD.split(fold_search(name or "")) if len(w) > 1)


def names_agree(person: str, written: str) -> bool:
    """Every word of `person` ('Mojca Novak') appears in `written` ('NOVAK MOJCA, Ljubljana')."""
    wanted = _words(person)
    return bool(wanted) and wanted <= _words(written)


# ---- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryFacts:
    """What the plan reads of a statement entry (desktop.integrations.camt.StatementEntry)."""

    key: str
    entry_ref: str
    amount_cents: int
    day: date | None
    references: tuple[str, ...]
    referred_amounts: tuple[int | None, ...]
    text: str
    debtor_name: str
    problem: str = ""


class _Ledger:
    """The invoices as the plan goes along: paid so far, subscription states."""

    def __init__(self, invoices: Iterable[InvoiceFacts]):
        self.invoices = {inv.id: inv for inv in invoices}
        self.by_reference: dict[str, int] = {}
        for inv in self.invoices.values():
            key = canonical_reference(inv.reference)
            if key:
                self.by_reference[key] = inv.id
        self.paid = {inv.id: inv.paid_cents for inv in self.invoices.values()}
        self._names: tuple[dict, dict] | None = None
        self.subs: dict[int, Standing] = {}
        for inv in self.invoices.values():
            self.subs.setdefault(
                inv.subscription_id, Standing(inv.state, inv.paid_school_year, inv.activated_on)
            )

    def name_index(self) -> tuple[dict, dict]:
        """(payer's words → invoices, child's words → invoices), built on first need. Only
        invoices still open are named: a paid one stays paid for the rest of the plan, and a
        school's invoices are mostly paid."""
        if self._names is None:
            payers: dict[frozenset[str], list[int]] = {}
            children: dict[frozenset[str], list[int]] = {}
            for inv in self.invoices.values():
                if self.open_cents(inv.id) <= 0:
                    continue
                if payer := _words(inv.payer_name):
                    payers.setdefault(payer, []).append(inv.id)
                if child := _words(inv.child_name):
                    children.setdefault(child, []).append(inv.id)
            self._names = (payers, children)
        return self._names

    def open_cents(self, invoice_id: int) -> int:
        inv = self.invoices[invoice_id]
        return max(0, inv.amount_cents - self.paid[invoice_id])

    def settleable(self, invoice_id: int) -> bool:
        inv = self.invoices[invoice_id]
        return may_settle(inv.cancelled, self.subs[inv.subscription_id].state)


def plan_entries(
    entries: Iterable[EntryFacts],
    invoices: Iterable[InvoiceFacts],
    *,
    imported: Iterable[str] = (),
    recorded_refs: Iterable[str] = (),
    assignments: Mapping[str, int] | None = None,
) -> list[EntryPlan]:
    """The plan for every entry, in order.

    `imported`: entry keys already in the database (R122). `recorded_refs`: bank references
    already typed in as a payment's transaction id. `assignments`: entry key → invoice id,
    chosen by a person for an entry without a usable reference."""
    ledger = _Ledger(invoices)
    imported = set(imported)
    recorded = set(recorded_refs)
    assignments = dict(assignments or {})
    seen: set[str] = set()
    plans = []
    for entry in entries:
        plans.append(_plan_one(entry, ledger, imported, recorded, seen, assignments))
    return plans


def _plan_one(entry, ledger, imported, recorded, seen, assignments) -> EntryPlan:
    key = entry.key
    if key in imported:
        return EntryPlan(key, Outcome.ALREADY, reason=ALREADY_IMPORTED)
    if key in seen:
        return EntryPlan(key, Outcome.ALREADY, reason=TWICE_IN_FILE)
    seen.add(key)
    if entry.problem:
        return EntryPlan(key, Outcome.REFUSED, reason=entry.problem)
    if entry.entry_ref in recorded:
        return EntryPlan(key, Outcome.ALREADY, reason=RECORDED_BY_HAND)
    targets, amounts, reason = _targets(entry, ledger)
    assigned = False
    if not targets:
        chosen = assignments.get(key)
        if chosen is not None and chosen in ledger.invoices:
            targets, amounts, assigned = [chosen], [None], True
        else:
            return EntryPlan(
                key, Outcome.UNMATCHED, reason=reason, suggestion=_suggest(entry, ledger)
            )
    allocations, activations = _allocate(entry, ledger, targets, amounts)
    if any(a.surplus_cents for a in allocations):
        outcome = Outcome.OVERPAID
    elif any(a.left_cents for a in allocations):
        outcome = Outcome.PARTIAL
    else:
        outcome = Outcome.MATCHED
    return EntryPlan(
        key, outcome, tuple(allocations), assigned=assigned, activations=tuple(activations)
    )


def _targets(entry: EntryFacts, ledger: _Ledger) -> tuple[list[int], list[int | None], str]:
    """The invoices the entry's references name, with the amount given for each; or none and
    why. Every reference must be ours: one unknown reference leaves the whole entry to a
    person rather than guess where its share belongs."""
    refs = [
        (canonical_reference(r), a)
        for r, a in zip(entry.references, entry.referred_amounts, strict=True)
    ]
    refs = [(k, a) for k, a in refs if k]
    if not refs:
        refs = [(k, None) for k in references_in_text(entry.text, ledger.by_reference)]
    if not refs:
        return [], [], NO_REFERENCE
    targets: list[int] = []
    amounts: list[int | None] = []
    for ref_key, amount in refs:
        invoice_id = ledger.by_reference.get(ref_key)
        if invoice_id is None:
            return [], [], NOT_OURS
        if invoice_id not in targets:
            targets.append(invoice_id)
            amounts.append(amount)
    return targets, amounts, ""


def _allocate(entry: EntryFacts, ledger: _Ledger, targets: list[int], amounts: list[int | None]):
    """Split the entry over its invoices: the amounts the payer gave when they add up to the
    entry, else each invoice's open balance in turn; whatever is left over stays on the last
    invoice as surplus (R79)."""
    remaining = entry.amount_cents
    if all(a is not None for a in amounts) and sum(amounts) == remaining and len(targets) > 1:
        shares = list(amounts)
    else:
        shares = []
        for index, invoice_id in enumerate(targets):
            if index == len(targets) - 1:
                shares.append(remaining)
            else:
                share = min(remaining, ledger.open_cents(invoice_id))
                shares.append(share)
                remaining -= share
    allocations, activations = [], []
    for invoice_id, share in zip(targets, shares, strict=True):
        if share <= 0:
            continue
        inv = ledger.invoices[invoice_id]
        settleable = ledger.settleable(invoice_id)
        left, surplus = split_payment(inv.amount_cents, ledger.paid[invoice_id], share, settleable)
        ledger.paid[invoice_id] += share
        allocations.append(Allocation(invoice_id, inv.number, share, left, surplus))
        if activation := _activation(ledger, inv, settleable, left, entry.day):
            activations.append(activation)
    if not allocations:  # nothing owed anywhere and nothing to put: all on the last one
        inv = ledger.invoices[targets[-1]]
        ledger.paid[inv.id] += entry.amount_cents
        allocations.append(
            Allocation(inv.id, inv.number, entry.amount_cents, 0, entry.amount_cents)
        )
    return allocations, activations


def _activation(ledger: _Ledger, inv: InvoiceFacts, settleable: bool, left: int, day):
    """R79: the subscription's activation by this share, if any (domain.settlement)."""
    before = ledger.subs[inv.subscription_id]
    after = activation(
        before,
        kind=inv.kind,
        school_year=inv.school_year,
        left_cents=left,
        settleable=settleable,
        ordered_on=inv.ordered_on,
        paid_on=day,
    )
    if after is None:
        return None
    ledger.subs[inv.subscription_id] = after
    first = after.activated_on if before.activated_on is None else None
    return Activation(
        inv.subscription_id, inv.id, before.state, after.state, inv.school_year, first
    )


def _subsets(words: Iterable[str], largest: int = 3):
    words = sorted(words)[:12]  # a name is a few words; a long text is cut
    for size in range(1, min(largest, len(words)) + 1):
        for combination in itertools.combinations(words, size):
            yield frozenset(combination)


def _suggest(entry: EntryFacts, ledger: _Ledger) -> int | None:
    """R67: an open invoice whose payer (or child) the entry names, preferring one whose open
    balance is the amount paid; only when exactly one fits. Never booked without a person.
    A name is found by its whole set of words among the payer's (or text's) words."""
    if entry.amount_cents <= 0:
        return None
    payers, children = ledger.name_index()
    candidates: set[int] = set()
    for words in _subsets(_words(entry.debtor_name), 4):
        candidates.update(payers.get(words, ()))
    for words in _subsets(_words(entry.text)):
        candidates.update(payers.get(words, ()))
        candidates.update(children.get(words, ()))
    named = sorted(i for i in candidates if ledger.open_cents(i) > 0 and ledger.settleable(i))
    exact = [i for i in named if ledger.open_cents(i) == entry.amount_cents]
    if len(exact) == 1:
        return exact[0]
    return named[0] if len(named) == 1 and not exact else None


def with_suggestions_accepted(plans: Iterable[EntryPlan]) -> dict[str, int]:
    """Assignments that accept every suggestion (a person's choice in the preview)."""
    return {p.key: p.suggestion for p in plans if p.suggestion is not None}
