"""The Today list (issue 19): deadlines and waiting decisions gathered across the areas.

Each source reads through its own area's service (its read models), and only when the staff
member's roles allow that area (R121): a source whose permission the actor lacks is skipped,
never refused. Area services are reached through the container and so imported only when
gathered: a CLI command or a start on another tab does not import them.

Reading is all the list does, but for the one document it prints itself: the re-consent letter
beside an age threshold (R46–R48), recorded like every document; once printed, the line goes.

The day is the app's one clock (SchoolProfile.today(), desktop.domain.clock), never the PC's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from desktop.domain import clock
from desktop.domain.dates import local_date
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.today import (
    AGE_WINDOW_DAYS,
    WINDOW_DAYS,
    Action,
    DueItem,
    ItemKind,
    birth_ranges,
    in_window,
    letter_covers,
    make_item,
    ordered,
    threshold_ages,
    thresholds_reached,
)
from desktop.i18n import N_
from desktop.services.base import Service

if TYPE_CHECKING:
    from desktop.services.container import Services
    from desktop.services.documents import Produced

RECONSENT_KIND = "re-consent-letter"  # desktop.documents.kinds

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


class Line(NamedTuple):
    """What a source reads for one line; the source adds its kind, text and action."""

    due: date
    person: str
    record_id: int | None = None
    student_id: int | None = None
    args: Mapping[str, object] = {}
    labels: Mapping[str, str] = {}  # placeholders filled with a translated message
    due_at: datetime | None = None  # an instant deadline (UTC)
    passed: bool = False  # the instant is behind us: overdue even on its own day
    text: str = ""  # instead of the source's text


@dataclass
class Day:
    """One gather: its day, moment and school country, and what several sources read (once)."""

    today: date
    now: datetime
    country: str
    open_requests: list | None = None


@dataclass(frozen=True)
class Source:
    key: str  # named in TodayList.skipped when the roles do not allow it
    permission: Permission
    kind: ItemKind
    action: Action
    text: str  # the line's description, {placeholders} from the Line's args and labels
    lines: Callable[[TodayService, Day], Iterable[Line]]
    countries: frozenset[str] = frozenset({"EE", "SI"})


class TodayService(Service):
    def __init__(self, services: Services):
        super().__init__(services.db, services.actor)
        self.services = services

    def gather(self, today: date | None = None) -> TodayList:
        """Every row due from now up to the horizon, most urgent first, for this actor."""
        school = self.services.school.require_school()
        day = Day(today or school.today(), clock.now(), school.country.value)
        items: list[DueItem] = []
        skipped: list[str] = []
        for source in SOURCES:
            if day.country not in source.countries:
                continue
            if not self.actor.can(source.permission):  # R121: check before reading
                if source.key not in skipped:
                    skipped.append(source.key)
                continue
            for line in source.lines(self, day):
                if in_window(source.kind, line.due, day.today):
                    items.append(_item(source, line, day.today))
        return TodayList(day.today, tuple(ordered(items)), tuple(skipped))

    # ---- the re-consent letter (R46–R48) -----------------------------------------------

    def print_reconsent_letter(
        self, student_id: int, years: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """The letter to a student reaching `years` (an age row's button): printed through the
        DocumentService (numbered, written, recorded, audited); the row then goes."""
        from desktop.db.models.roster import Student
        from desktop.documents import letter_parts
        from desktop.documents.reconsent_letter import ReconsentLetter, reconsent_letter
        from desktop.domain.dates import date_of_age
        from desktop.domain.salutation import gender_from_code
        from desktop.i18n import translator
        from desktop.services.documents import DocumentRequest

        school = self.services.school.require_school()
        country = school.country.value
        if years not in threshold_ages(country):
            raise ValidationError(
                "years",
                years,
                N_("A student does not gain the right to decide alone at {years}", years=years),
            )
        with self.read(Permission.VIEW_ROSTER) as session:
            student = session.get(Student, student_id)
            if student is None:
                raise NotFound("student", student_id)
            data = ReconsentLetter(
                tuple(x for x in (student.full_name, student.class_name, school.name) if x),
                student.full_name,
                student.birth_date,
                student.class_name or "",
                years,
                date_of_age(student.birth_date, years),
                country,
                gender_from_code(student.personal_code, country),
            )
        documents = self.services.documents
        language = documents.language_for(student_id=student_id)
        tr = translator(language)
        letter = reconsent_letter(tr, data)
        letterhead = documents.letterhead()
        request = DocumentRequest(
            RECONSENT_KIND, f"{data.student_name} ({years})", language, student_id
        )
        return documents.produce(
            request,
            lambda info: letter_parts.build_one_or_many(letterhead, [(info, tr, letter)]),
            out=out,
        )

    # ---- the sources: each yields its lines ------------------------------------------------

    def _requests_open(self, day: Day) -> list:
        if day.open_requests is None:  # two sources list them: read once per gather
            day.open_requests = self.services.requests.list_requests(open_only=True)
        return day.open_requests

    def _forwards(self, day: Day) -> Iterable[Line]:
        for r in self._requests_open(day):
            if r.forward_due_on is not None and r.forwarded_at is None and r.forward_to:
                yield Line(
                    r.forward_due_on,
                    r.subject_name or r.requester_name,
                    r.id,
                    r.subject_student_id,
                    {"to": r.forward_to},
                )

    def _requests(self, day: Day) -> Iterable[Line]:
        for r in self._requests_open(day):
            yield Line(
                r.due_on,
                r.subject_name or r.requester_name,
                r.id,
                r.subject_student_id,
                {"requester": r.requester_name},
            )

    def _deletions(self, day: Day) -> Iterable[Line]:
        for d in self.services.requests.deletions(open_only=True):
            if d.due_on is not None:
                yield Line(d.due_on, d.subject_name, d.id, d.student_id)

    def _breaches(self, day: Day) -> Iterable[Line]:
        for incident in self.services.breaches.incidents(open_only=True):
            status = incident.status(day.country, day.now)
            if status.complete:
                continue
            hours = -int(-status.remaining.total_seconds() // 3600)  # started hours: 1 h 59 → 2 h
            over = status.remaining <= timedelta(0)
            yield Line(
                local_date(status.deadline, day.country),
                incident.description[:80],
                incident.id,
                args={"hours": hours},
                due_at=status.deadline,
                passed=day.now >= status.deadline,
                text=N_("Notices not sent: the 72 hours are over") if over else "",
            )

    def _billing_letters(self, day: Day) -> Iterable[Line]:
        for n in self.services.billing_letters.pending_notices(day.today):
            label = NOTICE_LABELS.get(str(n.kind), OTHER)
            yield Line(
                n.due_on, n.child_name, n.subscription_id, n.student_id, labels={"letter": label}
            )

    def _usage_instructions(self, day: Day) -> Iterable[Line]:
        """D19 after each order (R113, R117), until it is printed."""
        for d in self.services.letters.usage_instructions_due(day.today):
            yield Line(d.ordered_on, d.child_name, d.subscription_id, d.student_id)

    def _offers(self, day: Day) -> Iterable[Line]:
        """The June and September rounds of D11 offers (R78), until one is printed."""
        if (offers := self.services.letters.offer_notices_due(day.today)) is not None:
            args = {"year": offers.school_year.label, "n": offers.students}
            yield Line(offers.due_on, "", args=args)

    def _billing_proposals(self, day: Day) -> Iterable[Line]:
        for p in self.services.billing.proposals():
            label = PROPOSAL_LABELS.get(str(p.kind), OTHER)
            due = p.effective_on or p.proposed_on
            yield Line(
                due, p.child_name, p.subscription_id, p.student_id, labels={"proposal": label}
            )

    def _retention(self, day: Day) -> Iterable[Line]:
        for p in self.services.retention.proposals():
            label = RETENTION_LABELS.get(str(p.action), OTHER)
            yield Line(p.due_on, p.label, p.id, p.student_id, labels={"action": label})

    def _cards(self, day: Day) -> Iterable[Line]:
        from desktop.services.cards.read_models import CardFilter

        before = day.today + timedelta(days=WINDOW_DAYS + 1)
        rows = self.services.cards.rows(CardFilter(expiring_before=before))
        by_day: dict[date, list] = {}
        for row in rows:
            by_day.setdefault(row.valid_until, []).append(row)
        for expires, cards in by_day.items():
            if len(cards) > CARD_LINES_PER_DAY:
                text = N_("Cards expiring: {n} (extend or let them lapse)")
                yield Line(expires, "", args={"n": len(cards)}, text=text)
                continue
            for row in cards:
                name = f"{row.first_name} {row.last_name}"
                yield Line(expires, name, row.id, row.student_id, {"number": row.card_number or ""})

    def _card_provider(self, day: Day) -> Iterable[Line]:
        for e in self.services.card_sync.needs_attention():
            since = min(local_date(e.created_at, day.country), day.today)
            yield Line(since, e.student_name, e.id, e.student_id)

    def _codes(self, day: Day) -> Iterable[Line]:
        for c in self.services.access_export.codes():
            if str(c.state) == "VALID":
                yield Line(
                    local_date(c.expires_at, day.country),
                    c.student_name,
                    c.id,
                    c.student_id,
                    {"guardian": c.guardian_name},
                    due_at=c.expires_at,
                )

    def _ages(self, day: Day) -> Iterable[Line]:
        from sqlalchemy import func, or_, select

        from desktop.db.models.documents import GeneratedDocument
        from desktop.db.models.roster import Student
        from desktop.domain.roster import StudentStatus

        since = day.now - timedelta(days=AGE_WINDOW_DAYS + 1)
        born = [Student.birth_date.between(a, b) for a, b in birth_ranges(day.country, day.today)]
        with self.read(Permission.VIEW_ROSTER) as session:
            students = session.execute(
                select(Student.id, Student.first_name, Student.last_name, Student.birth_date).where(
                    Student.status == StudentStatus.ENROLLED, or_(*born)
                )
            ).all()
            printed = dict(
                session.execute(
                    select(GeneratedDocument.student_id, func.max(GeneratedDocument.generated_at))
                    .where(
                        GeneratedDocument.kind == RECONSENT_KIND,
                        GeneratedDocument.generated_at >= since,
                    )
                    .group_by(GeneratedDocument.student_id)
                ).all()
            )
        for student_id, first, last, birth in students:
            for years, birthday, text in thresholds_reached(birth, day.country, day.today):
                last_printed = printed.get(student_id)
                if last_printed and letter_covers(local_date(last_printed, day.country), birthday):
                    continue  # the letter is printed: done
                yield Line(
                    birthday, f"{first} {last}", student_id, student_id, {"years": years}, text=text
                )

    def _terms(self, day: Day) -> Iterable[Line]:
        from desktop.i18n import ui_language

        terms = self.services.terms
        language = ui_language()
        for document in terms.list_documents():
            for v in terms.versions(document.key):
                if v.published and v.effective_from is not None and v.effective_from >= day.today:
                    args = {"label": v.label, "document": document.title(language)}
                    yield Line(v.effective_from, "", v.id, args=args)


def _item(source: Source, line: Line, today: date) -> DueItem:
    return make_item(
        source.kind,
        line.due,
        today,
        line.person,
        line.text or source.text,
        source.action,
        passed=line.passed,
        record_id=line.record_id,
        due_at=line.due_at,
        student_id=line.student_id,
        args=line.args,
        labels=line.labels,
    )


_SI = frozenset({"SI"})
_T = TodayService
# One line per source: where it reads, who may see it, and what its lines say and lead to.
SOURCES: tuple[Source, ...] = (
    Source(
        "requests",
        Permission.MANAGE_CONSENT,
        ItemKind.REQUEST,
        Action.CONSENT_REQUESTS,
        N_("Forward the request to {to}"),
        _T._forwards,
    ),
    Source(
        "requests",
        Permission.MANAGE_CONSENT,
        ItemKind.REQUEST,
        Action.CONSENT_REQUESTS,
        N_("Answer the request from {requester}"),
        _T._requests,
    ),
    Source(
        "requests",
        Permission.MANAGE_CONSENT,
        ItemKind.DELETION,
        Action.CONSENT_REQUESTS,
        N_("Deletion request: delete the data or tell why not"),
        _T._deletions,
    ),
    Source(
        "breaches",
        Permission.MANAGE_CONSENT,
        ItemKind.BREACH,
        Action.CONSENT_BREACHES,
        N_("Send the notices: {hours} h left"),
        _T._breaches,
    ),
    Source(
        "billing_letters",
        Permission.VIEW_BILLING,
        ItemKind.BILLING_LETTER,
        Action.BILLING_DUE,
        N_("Print the letter: {letter}"),
        _T._billing_letters,
        _SI,
    ),
    Source(
        "service_letters",
        Permission.VIEW_BILLING,
        ItemKind.BILLING_LETTER,
        Action.BILLING_SUBSCRIPTION,
        N_("Send the instructions for signing in"),
        _T._usage_instructions,
        _SI,
    ),
    Source(
        "service_letters",
        Permission.VIEW_BILLING,
        ItemKind.BILLING_LETTER,
        Action.BILLING_DUE,
        N_("Offers for the school year {year} to print; students without the service: {n}"),
        _T._offers,
        _SI,
    ),
    Source(
        "billing_proposals",
        Permission.VIEW_BILLING,
        ItemKind.BILLING_PROPOSAL,
        Action.BILLING_DUE,
        N_("Confirm or reject: {proposal}"),
        _T._billing_proposals,
        _SI,
    ),
    Source(
        "retention",
        Permission.MANAGE_CONSENT,
        ItemKind.RETENTION_PROPOSAL,
        Action.CONSENT_RETENTION,
        N_("Confirm or keep: proposed to {action}"),
        _T._retention,
    ),
    Source(
        "cards",
        Permission.MANAGE_CARDS,
        ItemKind.CARD_EXPIRING,
        Action.CARDS_CARD,
        N_("Card {number} expires"),
        _T._cards,
    ),
    Source(
        "card_provider",
        Permission.MANAGE_CARDS,
        ItemKind.CARD_PROVIDER,
        Action.CARDS_ATTENTION,
        N_("The card provider refused a change: retry or discard it"),
        _T._card_provider,
    ),
    Source(
        "codes",
        Permission.ISSUE_ACCESS_CODES,
        ItemKind.ACCESS_CODE,
        Action.CONSENT_CODES,
        N_("Code for {guardian} not used yet: hand the slip over before it expires"),
        _T._codes,
    ),
    Source(
        "ages",
        Permission.VIEW_ROSTER,
        ItemKind.AGE_THRESHOLD,
        Action.PRINT_RECONSENT,
        "",  # each line says what changes at its age (desktop.domain.today.AGE_THRESHOLDS)
        _T._ages,
    ),
    Source(
        "terms",
        Permission.VIEW_ROSTER,
        ItemKind.TERMS_VERSION,
        Action.CONSENT_TERMS,
        N_("Terms version {label} of {document} comes into force"),
        _T._terms,
    ),
)
