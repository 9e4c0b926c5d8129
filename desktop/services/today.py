"""The Today list (issue 19): deadlines and waiting decisions gathered across the areas.

Read-only. Each source reads through its own area's service (its read models), and only when
the staff member's roles allow that area (R121): a source whose permission the actor lacks is
skipped, never refused. Area services are reached through the container and so imported only
when gathered: a CLI command or a start on another tab does not import them.

The day is the app's one clock (SchoolProfile.today(), desktop.domain.clock), never the PC's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from desktop.domain import clock
from desktop.domain.dates import local_date
from desktop.domain.roles import Permission
from desktop.domain.today import (
    WINDOW_DAYS,
    Action,
    DueItem,
    ItemKind,
    in_window,
    make_item,
    ordered,
    thresholds_reached,
)
from desktop.i18n import N_
from desktop.services.base import Service

if TYPE_CHECKING:
    from desktop.services.container import Services

log = logging.getLogger(__name__)

# Cards expiring on the same day: above this many, one line for the day instead of one per card.
CARD_LINES_PER_DAY = 5

# Billing letter kinds and proposal kinds, as the Billing tab names them (same messages).
NOTICE_LABELS = {
    "TRIAL_INVITATION_1": N_("Trial: invitation to order"),
    "TRIAL_INVITATION_2": N_("Trial: second invitation"),
    "TRIAL_END_NOTICE": N_("Trial ended"),
    "ORDER_REMINDER_1": N_("Order: reminder 1"),
    "ORDER_REMINDER_2": N_("Order: reminder 2"),
    "RENEWAL_INVITATION": N_("Renewal invitation and invoice"),
    "RENEWAL_REMINDER_1": N_("Renewal: reminder 1"),
    "RENEWAL_REMINDER_2": N_("Renewal: reminder 2"),
    "TERMINATION_NOTICE": N_("Termination notice"),
}
PROPOSAL_LABELS = {
    "TERMINATE_NONPAYMENT": N_("Terminate for non-payment"),
    "LAPSE_UNPAID": N_("Let the unpaid order lapse"),
    "CHARGE_FEE": N_("Charge the reminder fee"),
    "REFUND": N_("Refund"),
    "TRIAL_TO_MINIMALNI": N_("Trial ended: switch to the free tier"),
}
RETENTION_LABELS = {
    "DELETE": N_("delete the record"),
    "ANONYMISE": N_("anonymise the record"),
}
OTHER = N_("other")


@dataclass(frozen=True)
class TodayList:
    today: date
    items: tuple[DueItem, ...]
    skipped: tuple[str, ...]  # sources not shown: the roles do not allow them (source keys)

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.items if i.urgency == "overdue")


@dataclass(frozen=True)
class Source:
    key: str
    permission: Permission
    read: Callable[[TodayService, date, datetime], list[DueItem]]
    countries: frozenset[str] = frozenset({"EE", "SI"})


class TodayService(Service):
    def __init__(self, services: Services):
        super().__init__(services.db, services.actor)
        self.services = services

    def gather(self, today: date | None = None) -> TodayList:
        """Every row due from now up to the horizon, most urgent first, for this actor."""
        school = self.services.school.require_school()
        self.country = school.country.value
        today = today or school.today()
        now = clock.now()
        items: list[DueItem] = []
        skipped = []
        for source in SOURCES:
            if self.country not in source.countries:
                continue
            if not self.actor.can(source.permission):  # R121: check before reading
                skipped.append(source.key)
                continue
            items += [i for i in source.read(self, today, now) if in_window(i.kind, i.due, today)]
        return TodayList(today, tuple(ordered(items)), tuple(skipped))

    # ---- the sources -----------------------------------------------------------------------

    def _requests(self, today: date, now: datetime) -> list[DueItem]:
        requests = self.services.requests
        items = []
        for r in requests.list_requests(open_only=True):
            person = r.subject_name or r.requester_name
            if r.forward_due_on is not None and r.forwarded_at is None and r.forward_to:
                items.append(
                    make_item(
                        ItemKind.REQUEST,
                        r.forward_due_on,
                        today,
                        person,
                        N_("Forward the request to {to}"),
                        Action.CONSENT_REQUESTS,
                        record_id=r.id,
                        student_id=r.subject_student_id,
                        args={"to": r.forward_to},
                    )
                )
            items.append(
                make_item(
                    ItemKind.REQUEST,
                    r.due_on,
                    today,
                    person,
                    N_("Answer the request from {requester}"),
                    Action.CONSENT_REQUESTS,
                    record_id=r.id,
                    student_id=r.subject_student_id,
                    args={"requester": r.requester_name},
                )
            )
        for d in requests.deletions(open_only=True):
            if d.due_on is None:
                continue
            items.append(
                make_item(
                    ItemKind.DELETION,
                    d.due_on,
                    today,
                    d.subject_name,
                    N_("Deletion request: delete the data or tell why not"),
                    Action.CONSENT_REQUESTS,
                    record_id=d.id,
                    student_id=d.student_id,
                )
            )
        return items

    def _breaches(self, today: date, now: datetime) -> list[DueItem]:
        items = []
        for incident in self.services.breaches.incidents(open_only=True):
            status = incident.status(self.country, now)
            if status.complete:
                continue
            hours = -int(-status.remaining.total_seconds() // 3600)  # started hours: 1 h 59 → 2 h
            if status.remaining <= timedelta(0):
                text = N_("Notices not sent: the 72 hours are over")
            else:
                text = N_("Send the notices: {hours} h left")
            items.append(
                make_item(
                    ItemKind.BREACH,
                    local_date(status.deadline, self.country),
                    today,
                    incident.description[:80],
                    text,
                    Action.CONSENT_BREACHES,
                    passed=now >= status.deadline,
                    record_id=incident.id,
                    due_at=status.deadline,
                    args={"hours": hours},
                )
            )
        return items

    def _billing_letters(self, today: date, now: datetime) -> list[DueItem]:
        return [
            make_item(
                ItemKind.BILLING_LETTER,
                n.due_on,
                today,
                n.child_name,
                N_("Print the letter: {letter}"),
                Action.BILLING_DUE,
                record_id=n.subscription_id,
                student_id=n.student_id,
                labels={"letter": NOTICE_LABELS.get(str(n.kind), OTHER)},
            )
            for n in self.services.billing_letters.pending_notices(today)
        ]

    def _billing_proposals(self, today: date, now: datetime) -> list[DueItem]:
        return [
            make_item(
                ItemKind.BILLING_PROPOSAL,
                p.effective_on or p.proposed_on,
                today,
                p.child_name,
                N_("Confirm or reject: {proposal}"),
                Action.BILLING_DUE,
                record_id=p.subscription_id,
                student_id=p.student_id,
                labels={"proposal": PROPOSAL_LABELS.get(str(p.kind), OTHER)},
            )
            for p in self.services.billing.proposals()
        ]

    def _retention(self, today: date, now: datetime) -> list[DueItem]:
        return [
            make_item(
                ItemKind.RETENTION_PROPOSAL,
                p.due_on,
                today,
                p.label,
                N_("Confirm or keep: proposed to {action}"),
                Action.CONSENT_RETENTION,
                record_id=p.id,
                student_id=p.student_id,
                labels={"action": RETENTION_LABELS.get(str(p.action), OTHER)},
            )
            for p in self.services.retention.proposals()
        ]

    def _cards(self, today: date, now: datetime) -> list[DueItem]:
        from desktop.services.cards import CardFilter

        before = today + timedelta(days=WINDOW_DAYS + 1)
        rows = self.services.cards.rows(CardFilter(expiring_before=before))
        by_day: dict[date, list[tuple]] = {}
        for row in rows:  # CARD_COLUMNS: id, version, student, last, first, class, kind, no, ...
            by_day.setdefault(row[10], []).append(row)
        items = []
        for day, cards in by_day.items():
            if len(cards) > CARD_LINES_PER_DAY:
                items.append(
                    make_item(
                        ItemKind.CARD_EXPIRING,
                        day,
                        today,
                        "",
                        N_("Cards expiring: {n} (extend or let them lapse)"),
                        Action.CARDS_CARD,
                        args={"n": len(cards)},
                    )
                )
                continue
            for row in cards:
                items.append(
                    make_item(
                        ItemKind.CARD_EXPIRING,
                        day,
                        today,
                        f"{row[4]} {row[3]}",
                        N_("Card {number} expires"),
                        Action.CARDS_CARD,
                        record_id=row[0],
                        student_id=row[2],
                        args={"number": row[7] or ""},
                    )
                )
        return items

    def _card_provider(self, today: date, now: datetime) -> list[DueItem]:
        return [
            make_item(
                ItemKind.CARD_PROVIDER,
                min(local_date(e.created_at, self.country), today),
                today,
                e.student_name,
                N_("The card provider refused a change: retry or discard it"),
                Action.CARDS_ATTENTION,
                record_id=e.id,
                student_id=e.student_id,
            )
            for e in self.services.card_sync.needs_attention()
        ]

    def _codes(self, today: date, now: datetime) -> list[DueItem]:
        return [
            make_item(
                ItemKind.ACCESS_CODE,
                local_date(c.expires_at, self.country),
                today,
                c.student_name,
                N_("Code for {guardian} not used yet: hand the slip over before it expires"),
                Action.CONSENT_CODES,
                record_id=c.id,
                student_id=c.student_id,
                due_at=c.expires_at,
                args={"guardian": c.guardian_name},
            )
            for c in self.services.access_export.codes()
            if str(c.state) == "VALID"
        ]

    def _ages(self, today: date, now: datetime) -> list[DueItem]:
        from sqlalchemy import select

        from desktop.db.models.roster import Student
        from desktop.domain.roster import StudentStatus

        with self.read(Permission.VIEW_ROSTER) as session:
            students = session.execute(
                select(Student.id, Student.first_name, Student.last_name, Student.birth_date).where(
                    Student.status == StudentStatus.ENROLLED
                )
            ).all()
        items = []
        for student_id, first, last, birth in students:
            for years, day, text in thresholds_reached(birth, self.country, today):
                items.append(
                    make_item(
                        ItemKind.AGE_THRESHOLD,
                        day,
                        today,
                        f"{first} {last}",
                        text,
                        Action.ROSTER_STUDENT,
                        record_id=student_id,
                        student_id=student_id,
                        args={"years": years},
                    )
                )
        return items

    def _terms(self, today: date, now: datetime) -> list[DueItem]:
        from desktop.i18n import ui_language

        terms = self.services.terms
        language = ui_language()
        items = []
        for document in terms.list_documents():
            for v in terms.versions(document.key):
                if v.published and v.effective_from is not None and v.effective_from >= today:
                    items.append(
                        make_item(
                            ItemKind.TERMS_VERSION,
                            v.effective_from,
                            today,
                            "",
                            N_("Terms version {label} of {document} comes into force"),
                            Action.CONSENT_TERMS,
                            record_id=v.id,
                            args={"label": v.label, "document": document.title(language)},
                        )
                    )
        return items


SOURCES: tuple[Source, ...] = (
    Source("requests", Permission.MANAGE_CONSENT, TodayService._requests),
    Source("breaches", Permission.MANAGE_CONSENT, TodayService._breaches),
    Source(
        "billing_letters",
        Permission.VIEW_BILLING,
        TodayService._billing_letters,
        frozenset({"SI"}),
    ),
    Source(
        "billing_proposals",
        Permission.VIEW_BILLING,
        TodayService._billing_proposals,
        frozenset({"SI"}),
    ),
    Source("retention", Permission.MANAGE_CONSENT, TodayService._retention),
    Source("cards", Permission.MANAGE_CARDS, TodayService._cards),
    Source("card_provider", Permission.MANAGE_CARDS, TodayService._card_provider),
    Source("codes", Permission.ISSUE_ACCESS_CODES, TodayService._codes),
    Source("ages", Permission.VIEW_ROSTER, TodayService._ages),
    Source("terms", Permission.VIEW_ROSTER, TodayService._terms),
)
