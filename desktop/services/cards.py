"""Card use cases [EE] (R20–R31, R7, R24, R34): issue, lose and replace, extend, revoke,
activate, suspend, close and expire cards; student photos; printing.

The rules themselves live in desktop.domain.cards; this module loads rows, applies what the
rules return and writes the outbox. Every change the card provider must learn of gets its
outbox row in the same transaction as the change (desktop.services.card_sync delivers it), so
a provider outage never blocks the office and never loses an event.

R22: no physical-card method changes the student's virtual card or sends anything about it;
the only cascade across both kinds is roster removal (`on_student_leaving`, R7/R24).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import NamedTuple

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from desktop.db.limits import check_rows
from desktop.db.models import (
    AuditEntry,
    Card,
    CardSettings,
    ProviderOutbox,
    School,
    Student,
    StudentPhoto,
)
from desktop.db.session import (
    actor_of,
    audit_entry,
    jsonable,
    record_audit,
    write_audit_entries,
)
from desktop.domain import clock
from desktop.domain.cards.activation import (
    RosterStudentForCard,
    check_activation,
    normalise_isikukood,
)
from desktop.domain.cards.events import (
    CloseReason,
    EntitlementStatus,
    ProviderEvent,
    ProviderEventKind,
    SuspendReason,
    close_event,
    student_ref,
    suspend_event,
    upsert_event,
)
from desktop.domain.cards.machines import (
    CardKind,
    PhysicalAction,
    PhysicalCardStatus,
    VirtualAction,
    VirtualCardStatus,
    physical_transition,
    replace_physical_card,
    roster_removal,
    virtual_transition,
)
from desktop.domain.cards.numbering import CardNumber, default_card_prefix
from desktop.domain.cards.outbox import OutboxState
from desktop.domain.cards.photos import check_photo
from desktop.domain.cards.validity import (
    CardChange,
    CardState,
    initial_valid_until,
    is_due_to_expire,
    plan_extension,
)
from desktop.domain.errors import (
    CancelCheck,
    ConflictError,
    NotFound,
    Progress,
    SchoolOfficeError,
    ValidationError,
)
from desktop.domain.inputs import coerce_enum, coerce_fields
from desktop.domain.roles import Permission
from desktop.domain.roster import Country, StudentStatus, clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service, ensure_version
from desktop.services.school import SchoolService

P, V = PhysicalCardStatus, VirtualCardStatus

PHOTO_RATIO = (3, 4)  # width : height of the photo box on the card
PHOTO_STORED_SIZE = (480, 640)  # ~600 dpi on the card; card printers print 300

# R25/R29: the channels konnekt.ee lists; the office edits them in the card settings.
DEFAULT_SUPPORT_CONTACTS: tuple[tuple[str, str], ...] = (
    ("Website", "https://konnekt.ee"),
    ("E-mail", "hello@konnekt.ee"),
)


class ActivationRefused(SchoolOfficeError):
    """R26/R34: the virtual card may not be activated; `message` says why in plain words."""

    def __init__(self, refusal, message: str):
        self.refusal = refusal
        self.message = message
        super().__init__(message)


# ---- records returned to the UI and the CLI ---------------------------------------------


@dataclass(frozen=True)
class CardRecord:
    id: int
    version: int
    student_id: int
    kind: CardKind
    card_number: str | None
    issued_on: date
    valid_until: date
    status: PhysicalCardStatus | VirtualCardStatus
    status_changed_at: datetime
    status_reason: str
    replaced_by_card_id: int | None
    device_binding_ref: str | None
    updated_by: str
    updated_at: datetime


def card_record(card: Card) -> CardRecord:
    return CardRecord(
        card.id,
        card.version,
        card.student_id,
        card.kind,
        card.card_number,
        card.issued_on,
        card.valid_until,
        card.state,
        card.status_changed_at,
        card.status_reason,
        card.replaced_by_card_id,
        card.device_binding_ref,
        card.updated_by,
        card.updated_at,
    )


@dataclass(frozen=True)
class CardSettingsRecord:
    school_code: str
    support_contacts: tuple[tuple[str, str], ...]
    version: int  # 0: not saved yet


@dataclass(frozen=True)
class CardFilter:
    status: str | None = None
    class_name: str | None = None
    expiring_before: date | None = None  # ACTIVE cards whose valid_until is before this day
    student_id: int | None = None
    kind: CardKind | None = None

    def __post_init__(self) -> None:
        coerce_fields(self, kind=CardKind)


class CardRow(NamedTuple):
    """One card in the Cards table (the id first, as the table models expect)."""

    id: int
    version: int
    student_id: int
    last_name: str
    first_name: str
    class_name: str | None
    kind: CardKind
    card_number: str | None  # None for a virtual card
    status: str
    issued_on: date
    valid_until: date
    status_changed_at: datetime


# The columns CardRow is read from, in its field order. Rows from Core: no ORM objects.
CARD_COLUMNS = (
    Card.id,
    Card.version,
    Card.student_id,
    Student.last_name,
    Student.first_name,
    Student.class_name,
    Card.kind,
    Card.card_number,
    Card.status,
    Card.issued_on,
    Card.valid_until,
    Card.status_changed_at,
)


@dataclass(frozen=True)
class CardHistoryEntry:
    """One step in a student's card history, from the audit log."""

    at: datetime
    actor: str
    card_id: int | None
    card_label: str
    action: str  # insert / update / print
    status_before: str | None
    status_after: str | None
    valid_until_before: str | None
    valid_until_after: str | None
    reason: str


@dataclass(frozen=True)
class ExtensionItem:
    """What extending one student changes (R21): their cards and, for a virtual-card
    entitlement, the event that tells the provider."""

    student_id: int
    student_name: str
    class_name: str | None
    new_valid_until: date
    changes: tuple[CardChange, ...]
    card_versions: tuple[tuple[int, int], ...]
    publishes: bool  # an entitlement update goes to the provider

    @property
    def empty(self) -> bool:
        return not self.changes and not self.publishes


@dataclass(frozen=True)
class ExtensionPlan:
    """The preview of "Extend all enrolled": applied only as shown, or refused."""

    today: date
    items: tuple[ExtensionItem, ...]

    @property
    def card_count(self) -> int:
        return sum(len(i.changes) for i in self.items)

    @property
    def event_count(self) -> int:
        return sum(i.publishes for i in self.items)


@dataclass(frozen=True)
class PhotoInfo:
    student_id: int
    mime: str
    width: int
    height: int
    size: int
    version: int


@dataclass(frozen=True)
class PrintableCard:
    card_id: int
    student_id: int
    card_number: str
    full_name: str
    class_name: str
    valid_until: date
    photo: bytes | None


class CardService(Service):
    # ---- settings ------------------------------------------------------------------------

    def settings(self) -> CardSettingsRecord:
        with self.read(Permission.MANAGE_CARDS) as session:
            row = session.get(CardSettings, 1)
            if row is None:
                return CardSettingsRecord(school_code(session), DEFAULT_SUPPORT_CONTACTS, 0)
            return _settings_record(row)

    def update_settings(
        self, version: int, school_code: str, support_contacts: Sequence[tuple[str, str]]
    ) -> CardSettingsRecord:
        code = clean_text(school_code).upper()
        CardNumber(code, 1)  # validates the prefix: 2–6 capital letters
        contacts = [[clean_text(a), clean_text(b)] for a, b in support_contacts if clean_text(b)]
        with (
            self._saving("card settings", CardSettings, 1),
            self.write(Permission.MANAGE_CARDS) as session,
        ):
            row = self._settings_row(session)
            if version:
                ensure_version(row, version, "card settings")
            row.school_code = code
            row.support_contacts = contacts
            session.flush()
            return _settings_record(row)

    # ---- reads ---------------------------------------------------------------------------

    def rows(self, where: CardFilter = CardFilter()) -> list[CardRow]:
        """The Cards table: one CardRow per card, physical and virtual."""
        stmt = select(*CARD_COLUMNS).join(Student, Student.id == Card.student_id)
        if where.status:
            stmt = stmt.where(Card.status == str(where.status))
        if where.class_name:
            stmt = stmt.where(Student.class_name == where.class_name)
        if where.expiring_before:
            stmt = stmt.where(Card.status == "ACTIVE", Card.valid_until < where.expiring_before)
        if where.student_id is not None:
            stmt = stmt.where(Card.student_id == where.student_id)
        if where.kind is not None:
            stmt = stmt.where(Card.kind == CardKind(where.kind))
        stmt = stmt.order_by(Student.last_name, Student.first_name, Card.student_id, Card.id)
        with self.read(Permission.MANAGE_CARDS) as session:
            return [CardRow._make(row) for row in session.execute(stmt)]

    def get(self, card_id: int) -> CardRecord:
        with self.read(Permission.MANAGE_CARDS) as session:
            return card_record(_card(session, card_id))

    def find_by_number(self, number: str) -> CardRecord:
        text_number = str(CardNumber.parse(number))
        with self.read(Permission.MANAGE_CARDS) as session:
            card = session.scalar(select(Card).where(Card.card_number == text_number))
            if card is None:
                raise NotFound("card with number", text_number)
            return card_record(card)

    def student_cards(self, student_id: int) -> list[CardRecord]:
        with self.read(Permission.MANAGE_CARDS) as session:
            cards = session.scalars(
                select(Card).where(Card.student_id == student_id).order_by(Card.id)
            )
            return [card_record(c) for c in cards]

    def history(self, student_id: int) -> list[CardHistoryEntry]:
        """Every change to the student's cards, who made it and when (the audit log)."""
        with self.read(Permission.MANAGE_CARDS) as session:
            labels = {
                cid: number or "virtual card"
                for cid, number in session.execute(
                    select(Card.id, Card.card_number).where(Card.student_id == student_id)
                )
            }
            entries = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity == "card", AuditEntry.student_id == student_id)
                .order_by(AuditEntry.at, AuditEntry.id)
            )
            result = []
            for e in entries:
                before, after = e.before or {}, e.after or {}
                card_id = int(e.entity_id)
                result.append(
                    CardHistoryEntry(
                        e.at,
                        e.actor,
                        card_id,
                        labels.get(card_id, after.get("card_number") or "card"),
                        e.action,
                        before.get("status"),
                        after.get("status"),
                        before.get("valid_until"),
                        after.get("valid_until"),
                        after.get("status_reason") or e.reason,
                    )
                )
            return result

    # ---- physical cards (R20–R23) ----------------------------------------------------------

    def issue_physical(self, student_id: int, today: date | None = None) -> CardRecord:
        """A first card for an enrolled student, valid to 31 Aug of the school year (R21).

        For a student who may hold a virtual card but has none yet, the entitlement goes to
        the provider too, so the student can add the virtual card (R7). Nothing about an
        existing virtual card changes (R22).
        """
        today = today or self._today()
        with self.write(Permission.MANAGE_CARDS) as session:
            student = _enrolled(_student(session, student_id))
            held = session.scalar(
                select(Card).where(
                    Card.student_id == student.id,
                    Card.kind == CardKind.PHYSICAL,
                    Card.status.in_([P.ACTIVE, P.EXPIRED, P.LOST]),
                    Card.replaced_by_card_id.is_(None),
                )
            )
            if held is not None:
                name = student.full_name
                reason = {
                    P.ACTIVE: N_(
                        "{name} already has this card; report it lost or replace it instead",
                        name=name,
                    ),
                    # R21
                    P.EXPIRED: N_(
                        "{name} already has this card; extend it instead: an extension needs "
                        "no new card",
                        name=name,
                    ),
                    # R23
                    P.LOST: N_(
                        "{name} already has this card; replace the lost card instead, so it "
                        "links to the new one",
                        name=name,
                    ),
                }[held.state]
                raise ValidationError("card", held.card_number, reason)
            valid_until = self._validity(session, student, today)
            card = self._new_physical(session, student, today, valid_until, N_("issued"))
            if _open_virtual(session, student.id) is None:
                self._publish(session, student, valid_until, EntitlementStatus.ACTIVE)
            session.flush()
            return card_record(card)

    def report_lost(self, card_id: int, version: int, reason: str = "") -> CardRecord:
        """R23: the card is blocked at once; no provider event, the virtual card stays valid."""
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            card = self._physical(session, card_id, version)
            self._move(
                card,
                physical_transition(card.state, PhysicalAction.REPORT_LOST),
                reason or N_("reported lost"),
            )
            session.flush()
            return card_record(card)

    def replace(
        self, card_id: int, version: int, reason: str = "", today: date | None = None
    ) -> CardRecord:
        """R23: a new number, the old card REPLACED and linked to the new one. Returns the new."""
        today = today or self._today()
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            old = self._physical(session, card_id, version)
            new = self._replace(session, old, today, reason or N_("replaced"))
            return card_record(new)

    def report_lost_and_replace(
        self, card_id: int, version: int, reason: str = "", today: date | None = None
    ) -> CardRecord:
        """R23 in one step: ACTIVE → LOST → REPLACED, linked to a new ACTIVE card (returned)."""
        today = today or self._today()
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            old = self._physical(session, card_id, version)
            why = reason or N_("reported lost")
            self._move(old, physical_transition(old.state, PhysicalAction.REPORT_LOST), why)
            new = self._replace(session, old, today, why)
            return card_record(new)

    def revoke(self, card_id: int, version: int, reason: str) -> CardRecord:
        """A physical card made void (entitlement removed, card withdrawn). R22: the virtual
        card is not touched; closing it is `close_virtual`."""
        reason = _required_reason(reason)
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            card = self._physical(session, card_id, version)
            self._move(card, physical_transition(card.state, PhysicalAction.REVOKE), reason)
            session.flush()
            return card_record(card)

    # ---- extension (R21) -------------------------------------------------------------------

    def extend(self, student_id: int, today: date | None = None) -> ExtensionItem:
        """Extend one student's cards to the next 31 Aug; repeating it changes nothing."""
        today = today or self._today()
        with self._saving("card", Card, 0), self.write(Permission.MANAGE_CARDS) as session:
            student = _student(session, student_id)
            cards = _cards_of(session, [student.id]).get(student.id, [])
            published = _last_payloads(session, [student_ref(student.id)])
            item = self._plan_student(session, student, cards, today, published)
            if item is None:
                raise ValidationError(
                    "student", student.full_name, N_("has no card to extend; issue a card first")
                )
            self._apply_item(session, student, cards, item)
            session.flush()
            return item

    def preview_extend_all(self, today: date | None = None) -> ExtensionPlan:
        """What "Extend all enrolled" would change, student by student. Nothing is written."""
        today = today or self._today()
        with self.read(Permission.MANAGE_CARDS) as session:
            return self._plan_all(session, today)

    def apply_extension(
        self, plan: ExtensionPlan, progress: Progress | None = None
    ) -> ExtensionPlan:
        """Apply a previewed plan in one transaction, only if it is still exactly what the
        office saw; otherwise refuse and ask for a new preview."""
        with self._saving("card", Card, 0), self.write(Permission.MANAGE_CARDS) as session:
            current = self._plan_all(session, plan.today)
            if current != plan:
                raise ConflictError("set of cards to extend", "", None, None)
            students = {
                s.id: s
                for s in session.scalars(
                    select(Student).where(Student.id.in_([i.student_id for i in plan.items]))
                )
            }
            cards = _cards_of(session, list(students))
            total = len(plan.items)
            for n, item in enumerate(plan.items, 1):
                sid = item.student_id
                self._apply_item(session, students[sid], cards.get(sid, []), item)
                if progress is not None:
                    progress(n, total)
            session.flush()
            return plan

    # ---- virtual card (R24–R27, R34) -------------------------------------------------------

    def record_activation(
        self,
        student_id: int,
        smart_id_code: str,
        device_binding_ref: str = "",
        today: date | None = None,
    ) -> CardRecord:
        """The provider reports a Smart-ID login for this student: allowed only if the code it
        returned is the roster's (R26), never for a student without one (R34). A new login on
        an active card moves it to the new phone (R27); on a suspended one it reactivates."""
        today = today or self._today()
        device = clean_text(device_binding_ref) or None
        try:
            with self.write(Permission.MANAGE_CARDS) as session:
                student = _student(session, student_id)
                check = check_activation(
                    RosterStudentForCard(
                        student.personal_code, student.no_local_code, student.status
                    ),
                    smart_id_code,
                )
                if not check.ok:
                    raise ActivationRefused(check.refusal, check.message)
                card = _open_virtual(session, student.id)
                if card is None:
                    valid_until = self._validity(session, student, today)
                    card = Card(
                        student_id=student.id,
                        kind=CardKind.VIRTUAL,
                        issued_on=today,
                        valid_until=valid_until,
                        status=virtual_transition(None, VirtualAction.ACTIVATE).value,
                        status_changed_at=clock.now(),
                        status_reason=N_("activated with Smart-ID"),
                        device_binding_ref=device,
                    )
                    session.add(card)
                else:
                    action = (
                        VirtualAction.REACTIVATE
                        if card.state is V.SUSPENDED
                        else VirtualAction.CHANGE_DEVICE
                    )
                    new = virtual_transition(card.state, action)
                    if new != card.state:
                        self._move(card, new, N_("new Smart-ID login"))
                    card.device_binding_ref = device or card.device_binding_ref
                session.flush()
                return card_record(card)
        except IntegrityError:  # another PC recorded an activation at the same moment
            raise ValidationError(
                "virtual card", student_id, N_("the student already has an open virtual card")
            ) from None

    def request_suspension(self, student_id: int, reason: SuspendReason) -> None:
        """R25: log that the student asked the provider to suspend; the provider decides, and
        the card becomes SUSPENDED only when it confirms (`record_suspension`)."""
        reason = coerce_enum(SuspendReason, "reason", reason)
        with self.write(Permission.MANAGE_CARDS, reason="suspension requested") as session:
            student = _student(session, student_id)
            card = _open_virtual(session, student.id)
            if card is None or card.state is not V.ACTIVE:
                raise ValidationError(
                    "virtual card",
                    card.status if card else "none",
                    N_("{name} has no active virtual card to suspend", name=student.full_name),
                )
            self._queue(
                session,
                student.id,
                suspend_event(uuid.uuid4(), student_ref(student.id), reason=reason),
            )
            # Nothing on the card changes yet, so the audit hooks see nothing: log it here.
            record_audit(
                session,
                "suspension_requested",
                "card",
                card.id,
                student_id=student.id,
                after={"reason": reason.value},
            )

    def record_suspension(self, card_id: int, version: int, reason: str = "") -> CardRecord:
        """R25: the provider confirmed it suspended the virtual card."""
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            card = self._virtual(session, card_id, version)
            new = virtual_transition(card.state, VirtualAction.SUSPEND_CONFIRMED)
            self._move(card, new, reason or N_("suspended by the provider"))
            session.flush()
            return card_record(card)

    def close_virtual(
        self, card_id: int, version: int, reason: str, today: date | None = None
    ) -> CardRecord:
        """R24: the student's entitlement is removed; the provider closes the card too."""
        reason = _required_reason(reason)
        today = today or self._today()
        with self._saving("card", Card, card_id), self.write(Permission.MANAGE_CARDS) as session:
            card = self._virtual(session, card_id, version)
            self._move(card, virtual_transition(card.state, VirtualAction.CLOSE), reason)
            self._queue(
                session,
                card.student_id,
                close_event(
                    uuid.uuid4(),
                    student_ref(card.student_id),
                    reason=CloseReason.ENTITLEMENT_REMOVED,
                    effective_on=today,
                ),
            )
            session.flush()
            return card_record(card)

    # ---- called inside other areas' transactions -------------------------------------------

    def on_student_leaving(self, session: Session, student: Student, left_on: date) -> None:
        """Roster leaving handler (R7, R24, R31): in the leaving transaction, revoke every
        physical card, close the virtual card and queue the provider's close event."""
        cards = session.scalars(select(Card).where(Card.student_id == student.id)).all()
        physical = [c for c in cards if c.kind is CardKind.PHYSICAL]
        virtual = next(
            (c for c in cards if c.kind is CardKind.VIRTUAL and c.state != V.CLOSED), None
        )
        outcome = roster_removal([c.state for c in physical], virtual.state if virtual else None)
        why = str(
            N_("graduated on {day}", day=left_on.isoformat())
            if student.status.value == "GRADUATED"
            else N_("left the school on {day}", day=left_on.isoformat())
        )
        for card, new in zip(physical, outcome.physical, strict=True):
            if new != card.state:
                self._move(card, new, why)
        if virtual is not None and outcome.virtual != virtual.state:
            self._move(virtual, outcome.virtual, why)
        if not _provider_knows(session, student):
            return
        last = _last_events(session, [student_ref(student.id)]).get(student_ref(student.id))
        if virtual is not None or (
            last is not None and last[0] != ProviderEventKind.CLOSE_ENTITLEMENT
        ):
            self._queue(
                session,
                student.id,
                close_event(
                    uuid.uuid4(),
                    student_ref(student.id),
                    reason=CloseReason(student.status.value),
                    effective_on=left_on,
                ),
            )

    def expire_due(self, session: Session, today: date) -> str:
        """Daily job "card-expiry" (R21): ACTIVE cards whose 31 Aug has passed become EXPIRED,
        and the provider hears that the student's entitlement expired."""
        # The query narrows on the (status, valid_until) index; the rule decides.
        candidates = session.execute(
            select(
                Card.id,
                Card.student_id,
                Card.kind,
                Card.status,
                Card.valid_until,
                Card.version,
                Card.status_changed_at,
                Card.status_reason,
            ).where(Card.status == "ACTIVE", Card.valid_until < today)
        ).all()
        due = [c for c in candidates if is_due_to_expire(_card_state(c), c.valid_until, today)]
        expired_until: dict[int, date] = {}
        moves = []
        for card in due:
            if card.kind is CardKind.PHYSICAL:
                new = physical_transition(_card_state(card), PhysicalAction.EXPIRE)
            else:
                new = virtual_transition(_card_state(card), VirtualAction.EXPIRE)
            reason = str(N_("valid until {day}", day=card.valid_until.isoformat()))
            moves.append((card, new.value, reason))
            expired_until[card.student_id] = max(
                card.valid_until, expired_until.get(card.student_id, date.min)
            )
        self._move_many(session, moves)
        # Only an Estonian school's students can hold a virtual card (R34): elsewhere nobody
        # is told, and the students need not be read.
        students = (
            session.scalars(select(Student).where(Student.id.in_(list(expired_until)))).all()
            if expired_until and _school_country(session) is Country.EE
            else []
        )
        # On 1 Sep this is most of the school: what was last sent is read in one go.
        published = _last_payloads(session, [student_ref(s.id) for s in students])
        events = sum(
            self._publish(session, s, expired_until[s.id], EntitlementStatus.EXPIRED, published)
            for s in students
        )
        physical = sum(1 for c in due if c.kind is CardKind.PHYSICAL)
        return (
            f"{len(due)} card(s) expired ({physical} physical, {len(due) - physical} virtual); "
            f"{events} provider event(s) queued"
        )

    # ---- photos --------------------------------------------------------------------------

    def import_photo(self, student_id: int, data: bytes) -> PhotoInfo:
        """A JPEG or PNG for the printed card, within the size and dimension limits."""
        mime, width, height, data = _checked_photo(data)
        with self.write(Permission.MANAGE_CARDS) as session:
            student = _student(session, student_id)
            row = session.scalar(select(StudentPhoto).where(StudentPhoto.student_id == student.id))
            if row is None:
                row = StudentPhoto(student_id=student.id)
                session.add(row)
            row.image, row.mime, row.width, row.height = data, mime, width, height
            session.flush()
            return PhotoInfo(student.id, mime, width, height, len(data), row.version)

    def photo(self, student_id: int) -> bytes | None:
        with self.read(Permission.MANAGE_CARDS) as session:
            return session.scalar(
                select(StudentPhoto.image).where(StudentPhoto.student_id == student_id)
            )

    # ---- printing ------------------------------------------------------------------------

    def printable(self, card_ids: Iterable[int]) -> list[PrintableCard]:
        """The data printed on each card, in the order asked; only ACTIVE physical cards."""
        ids = list(dict.fromkeys(card_ids))
        with self.read(Permission.MANAGE_CARDS) as session:
            rows = session.execute(
                select(
                    Card.id,
                    Card.kind,
                    Card.status,
                    Card.card_number,
                    Card.valid_until,
                    Student.id,
                    Student.first_name,
                    Student.last_name,
                    Student.class_name,
                )
                .join(Student, Student.id == Card.student_id)
                .where(Card.id.in_(ids))
            ).all()
            photos = dict(
                session.execute(
                    select(StudentPhoto.student_id, StudentPhoto.image).where(
                        StudentPhoto.student_id.in_({r[5] for r in rows})
                    )
                ).all()
            )
        found = {r[0]: r for r in rows}
        result = []
        for card_id in ids:
            r = found.get(card_id)
            if r is None:
                raise NotFound("card", card_id)
            if r[1] is not CardKind.PHYSICAL or r[2] != P.ACTIVE:
                raise ValidationError(
                    "card",
                    r[3] or "virtual card",
                    N_("only an active physical card is printed"),
                )
            result.append(
                PrintableCard(
                    r[0], r[5], r[3], f"{r[6]} {r[7]}", r[8] or "", r[4], photos.get(r[5])
                )
            )
        return result

    def print_cards(
        self,
        card_ids: Iterable[int],
        *,
        sheet: bool,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
    ) -> bytes:
        """PDF of card faces: A4 sheets of 2 × 5 with cut marks, or one CR80 card per page for
        a card printer. The print is logged with the file's sha256."""
        from desktop.documents.builders import sha256_hex
        from desktop.documents.cards import CardFace, build_card_sheets, build_single_cards

        cards = self.printable(card_ids)
        if not cards:
            raise ValidationError("cards", "", N_("choose at least one card to print"))
        school = SchoolService(self.db, self.actor).require_school()
        faces = [
            CardFace(c.full_name, c.class_name, school.name, c.valid_until, c.card_number, c.photo)
            for c in cards
        ]
        build = build_card_sheets if sheet else build_single_cards
        pdf = build(faces, language=school.default_language.value, progress=progress, cancel=cancel)
        digest = sha256_hex(pdf)
        with self.write(Permission.MANAGE_CARDS) as session:
            layout = "A4 sheet" if sheet else "CR80"
            for c in cards:
                after = {"card_number": c.card_number, "layout": layout, "sha256": digest}
                record_audit(
                    session, "print", "card", c.card_id, student_id=c.student_id, after=after
                )
        return pdf

    # ---- helpers -------------------------------------------------------------------------

    def _today(self) -> date:
        return SchoolService(self.db, self.actor).require_school().today()

    def _settings_row(self, session: Session) -> CardSettings:
        row = session.get(CardSettings, 1)
        if row is None:
            row = CardSettings(
                id=1,
                school_code=school_code(session),
                last_serial=0,
                support_contacts=[list(c) for c in DEFAULT_SUPPORT_CONTACTS],
            )
            session.add(row)
            session.flush()
        return row

    def _next_number(self, session: Session) -> CardNumber:
        """One above the highest serial ever issued (R23). A single UPDATE: on PostgreSQL the
        row lock makes a second PC wait; on SQLite writes are serialised already."""
        row = self._settings_row(session)
        session.execute(
            update(CardSettings)
            .where(CardSettings.id == row.id)
            .values(last_serial=CardSettings.last_serial + 1)
            .execution_options(synchronize_session=False)
        )
        serial = session.scalar(select(CardSettings.last_serial).where(CardSettings.id == row.id))
        # R122: the counter is outside the ORM's audit (a single UPDATE); each step is audited.
        record_audit(
            session,
            "update",
            "card_settings",
            row.id,
            before={"last_serial": serial - 1},
            after={"last_serial": serial},
        )
        return CardNumber(row.school_code, serial)

    def _new_physical(
        self, session: Session, student: Student, today: date, valid_until: date, reason: str
    ) -> Card:
        card = Card(
            student_id=student.id,
            kind=CardKind.PHYSICAL,
            card_number=str(self._next_number(session)),
            issued_on=today,
            valid_until=valid_until,
            status=physical_transition(None, PhysicalAction.ISSUE).value,
            status_changed_at=clock.now(),
            status_reason=reason,
        )
        session.add(card)
        session.flush()
        return card

    def _replace(self, session: Session, old: Card, today: date, reason: str) -> Card:
        """R23: never touches the virtual card and sends nothing to the provider (R22)."""
        old_status, _ = replace_physical_card(old.state)
        student = _enrolled(_student(session, old.student_id))
        new = self._new_physical(
            session,
            student,
            today,
            self._validity(session, student, today),
            str(N_("replaces {number}", number=old.card_number)),
        )
        self._move(old, old_status, reason)
        old.replaced_by_card_id = new.id
        session.flush()
        return new

    def _physical(self, session: Session, card_id: int, version: int) -> Card:
        card = _card(session, card_id)
        if card.kind is not CardKind.PHYSICAL:
            raise ValidationError("card", "virtual card", N_("this action is for a physical card"))
        ensure_version(card, version, "card")
        return card

    def _virtual(self, session: Session, card_id: int, version: int) -> Card:
        card = _card(session, card_id)
        if card.kind is not CardKind.VIRTUAL:
            raise ValidationError(
                "card", card.card_number, N_("this action is for the virtual card")
            )
        ensure_version(card, version, "card")
        return card

    @staticmethod
    def _move(card: Card, new, reason: str) -> None:
        card.status = new.value
        card.status_changed_at = clock.now()
        card.status_reason = reason

    def _move_many(self, session: Session, moves: list[tuple]) -> None:
        """`_move` for a whole school on 1 Sep, as one UPDATE of many rows: what the ORM would
        do card by card (version checked and bumped, stamps, one audit entry per card with the
        fields that changed, the change notification), without an object per card.
        `moves`: (a row with id, student_id, status, version, status_changed_at,
        status_reason; the new status; the reason)."""
        if not moves:
            return
        now, actor = clock.now(), actor_of(session)
        values = [
            {"status": status, "status_changed_at": now, "status_reason": reason}
            for _card, status, reason in moves
        ]
        check_rows(Card.__table__, values)
        table = Card.__table__
        result = session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values(
                status=bindparam("status"),
                status_changed_at=bindparam("status_changed_at"),
                status_reason=bindparam("status_reason"),
                version=bindparam("new_version"),
                updated_at=bindparam("updated_at"),
                updated_by=bindparam("updated_by"),
            ),
            [
                {
                    **value,
                    "b_id": card.id,
                    "b_version": card.version,
                    "new_version": card.version + 1,
                    "updated_at": now,
                    "updated_by": actor,
                }
                for (card, _status, _reason), value in zip(moves, values, strict=True)
            ],
        )
        if session.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(
            moves
        ):
            raise StaleDataError(
                f"card: {len(moves) - result.rowcount} row(s) changed by someone else meanwhile"
            )
        entries = []
        for (card, _status, _reason), value in zip(moves, values, strict=True):
            before, after = {}, {}
            for key, new_value in value.items():
                old_value = getattr(card, key)
                if old_value != new_value:
                    before[key], after[key] = jsonable(old_value), jsonable(new_value)
            if after:
                entries.append(
                    audit_entry(
                        session,
                        "update",
                        table.name,
                        card.id,
                        student_id=card.student_id,
                        before=before,
                        after=after,
                    )
                )
        write_audit_entries(session, entries)

    def _validity(self, session: Session, student: Student, today: date) -> date:
        """The student's entitlement runs to the latest of: this school year's 31 Aug, any
        live card's valid_until, and what the provider was last told (R21). A new card
        never shortens it."""
        dates = [initial_valid_until(today)]
        dates += session.scalars(
            select(Card.valid_until).where(
                Card.student_id == student.id,
                Card.status.not_in([P.REVOKED, P.REPLACED, V.CLOSED]),
            )
        ).all()
        ref = student_ref(student.id)
        last = _last_payloads(session, [ref]).get(ref)
        if last and last.get("status") == EntitlementStatus.ACTIVE and "valid_until" in last:
            dates.append(date.fromisoformat(last["valid_until"]))
        return max(dates)

    def _plan_student(
        self,
        session: Session,
        student: Student,
        cards: list[Card],
        today: date,
        published: dict[str, dict],
    ) -> ExtensionItem | None:
        new_until, changes = plan_extension(
            [CardState(c.id, c.kind, c.state, c.valid_until) for c in cards],
            today,
            student.status,
        )
        publishes = False
        if _provider_knows(session, student):
            payload = self._upsert_payload(session, student, new_until, EntitlementStatus.ACTIVE)
            publishes = payload != published.get(student_ref(student.id))
        if not cards and not publishes:
            return None
        versions = {c.id: c.version for c in cards}
        return ExtensionItem(
            student.id,
            student.full_name,
            student.class_name,
            new_until,
            tuple(changes),
            tuple((ch.card_id, versions[ch.card_id]) for ch in changes),
            publishes,
        )

    def _plan_all(self, session: Session, today: date) -> ExtensionPlan:
        students = session.scalars(
            select(Student)
            .where(Student.status == StudentStatus.ENROLLED)
            .order_by(Student.class_name, Student.last_name, Student.first_name, Student.id)
        ).all()
        cards = _cards_of(session, [s.id for s in students])
        published = _last_payloads(session, [student_ref(s.id) for s in students])
        items = []
        for student in students:
            item = self._plan_student(session, student, cards.get(student.id, []), today, published)
            if item is not None and not item.empty:
                items.append(item)
        return ExtensionPlan(today, tuple(items))

    def _apply_item(
        self, session: Session, student: Student, cards: list[Card], item: ExtensionItem
    ) -> None:
        by_id = {c.id: c for c in cards}
        versions = dict(item.card_versions)
        for change in item.changes:
            card = by_id[change.card_id]
            ensure_version(card, versions[card.id], "card")
            if change.new_status != card.state:
                self._move(
                    card,
                    change.new_status,
                    str(N_("extended to {day}", day=str(change.new_valid_until))),
                )
            card.valid_until = change.new_valid_until
        if item.publishes:  # the plan compared it with the last event sent, in this transaction
            event = self._upsert(
                session, student, item.new_valid_until, EntitlementStatus.ACTIVE, uuid.uuid4()
            )
            self._queue(session, student.id, event)

    def _upsert_payload(
        self, session: Session, student: Student, valid_until: date, status: EntitlementStatus
    ) -> dict:
        return dict(self._upsert(session, student, valid_until, status, uuid.UUID(int=0)).payload)

    def _upsert(
        self,
        session: Session,
        student: Student,
        valid_until: date,
        status: EntitlementStatus,
        event_id: uuid.UUID,
    ) -> ProviderEvent:
        return upsert_event(
            event_id,
            student_ref(student.id),
            personal_code=student.personal_code,
            first_name=student.first_name,
            last_name=student.last_name,
            school=school_code(session),
            valid_until=valid_until,
            status=status,
        )

    def _publish(
        self,
        session: Session,
        student: Student,
        valid_until: date,
        status: EntitlementStatus,
        published: dict[str, dict] | None = None,
    ) -> bool:
        """Queue the student's entitlement for the provider, unless it was the last thing
        queued for them anyway (`published`: `_last_payloads` if already read). Only for
        students who can hold a virtual card (R34)."""
        if not _provider_knows(session, student):
            return False
        event = self._upsert(session, student, valid_until, status, uuid.uuid4())
        if published is None:
            published = _last_payloads(session, [event.student_ref])
        if published.get(event.student_ref) == dict(event.payload):
            return False
        self._queue(session, student.id, event)
        return True

    def _queue(self, session: Session, student_id: int, event: ProviderEvent) -> None:
        """The outbox row, in the caller's transaction (desktop.services.card_sync sends it)."""
        session.add(
            ProviderOutbox(
                student_id=student_id,
                student_ref=event.student_ref,
                event_id=str(event.event_id),
                idempotency_key=event.idempotency_key,
                kind=event.kind,
                payload=dict(event.payload),
                created_at=clock.now(),
                created_by=self.actor.login,
                state=OutboxState.PENDING,
            )
        )


# ---- module helpers ---------------------------------------------------------------------


def _card_state(row) -> PhysicalCardStatus | VirtualCardStatus:
    """Card.state for a row read with Core."""
    if row.kind is CardKind.PHYSICAL:
        return PhysicalCardStatus(row.status)
    return VirtualCardStatus(row.status)


def _settings_record(row: CardSettings) -> CardSettingsRecord:
    contacts = tuple((str(a), str(b)) for a, b in (row.support_contacts or []))
    return CardSettingsRecord(row.school_code, contacts, row.version)


def school_code(session: Session) -> str:
    """The card-number prefix, also sent as `school`: the saved one, else one made from the
    school's name. Read-only, so a preview on a new database writes nothing. Looked up once
    per transaction (a batch asks for every student)."""
    if "card_school_code" not in session.info:
        row = session.get(CardSettings, 1)
        if row is not None:
            code = row.school_code
        else:
            name = session.scalar(select(School.name).order_by(School.id).limit(1)) or ""
            code = default_card_prefix(name)
        session.info["card_school_code"] = code
    return session.info["card_school_code"]


def _student(session: Session, student_id: int) -> Student:
    student = session.get(Student, student_id)
    if student is None:
        raise NotFound("student", student_id)
    return student


def _enrolled(student: Student) -> Student:
    if student.status is not StudentStatus.ENROLLED:
        raise ValidationError(
            "student", student.full_name, N_("only an enrolled student gets a card")
        )
    return student


def _card(session: Session, card_id: int) -> Card:
    card = session.get(Card, card_id)
    if card is None:
        raise NotFound("card", card_id)
    return card


def _open_virtual(session: Session, student_id: int) -> Card | None:
    return session.scalar(
        select(Card).where(
            Card.student_id == student_id, Card.kind == CardKind.VIRTUAL, Card.status != V.CLOSED
        )
    )


def _cards_of(session: Session, student_ids: list[int]) -> dict[int, list[Card]]:
    result: dict[int, list[Card]] = {}
    for start in range(0, len(student_ids), 2000):  # stay below bound-parameter limits
        chunk = student_ids[start : start + 2000]
        for card in session.scalars(
            select(Card).where(Card.student_id.in_(chunk)).order_by(Card.id)
        ):
            result.setdefault(card.student_id, []).append(card)
    return result


def _last_events(session: Session, refs: list[str]) -> dict[str, tuple[ProviderEventKind, dict]]:
    """The newest event queued for each student (discarded ones do not count)."""
    result: dict[str, tuple[ProviderEventKind, dict]] = {}
    for start in range(0, len(refs), 2000):
        chunk = refs[start : start + 2000]
        newest = (
            select(func.max(ProviderOutbox.id))
            .where(
                ProviderOutbox.student_ref.in_(chunk),
                ProviderOutbox.state != OutboxState.DISCARDED,
            )
            .group_by(ProviderOutbox.student_ref)
        )
        rows = session.execute(
            select(ProviderOutbox.student_ref, ProviderOutbox.kind, ProviderOutbox.payload).where(
                ProviderOutbox.id.in_(newest)
            )
        )
        result.update({ref: (kind, payload) for ref, kind, payload in rows})
    return result


def _last_payloads(session: Session, refs: list[str]) -> dict[str, dict]:
    """The last entitlement sent for each student, or nothing if the last event closed it."""
    return {
        ref: payload
        for ref, (kind, payload) in _last_events(session, refs).items()
        if kind is ProviderEventKind.UPSERT_ENTITLEMENT
    }


def _provider_knows(session: Session, student: Student) -> bool:
    """Only an Estonian school's students with an isikukood can hold a virtual card (R34)."""
    if student.no_local_code or normalise_isikukood(student.personal_code) is None:
        return False
    return _school_country(session) is Country.EE


def _school_country(session: Session) -> Country | None:
    if "school_country" not in session.info:  # asked once per transaction, not per student
        session.info["school_country"] = session.scalar(
            select(School.country).order_by(School.id).limit(1)
        )
    return session.info["school_country"]


def _required_reason(reason: str) -> str:
    text = clean_text(reason)
    if not text:
        raise ValidationError("reason", reason, N_("say why, for the card's history"))
    return text


def _checked_photo(data: bytes) -> tuple[str, int, int, bytes]:
    """Check a picture against the limits, then store it the way cards need it: upright
    (EXIF orientation of phone pictures), cropped to the card's 3:4 box, at most
    PHOTO_STORED_SIZE, as JPEG. Small to keep, and printed without decoding."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(BytesIO(data))
        width, height = image.size
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # stored sideways
            width, height = height, width
        # The limits are checked before decoding, so a huge picture never fills the memory.
        check_photo(image.format, len(data), width, height)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            "photo", f"{len(data)} bytes", N_("not a readable JPEG or PNG picture")
        ) from None
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":  # transparency onto white, as it would print
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.convert("RGBA").getchannel("A"))
        image = background
    ratio_w, ratio_h = PHOTO_RATIO
    crop_w, crop_h = (
        min(width, height * ratio_w // ratio_h),
        min(height, width * ratio_h // ratio_w),
    )
    scale = min(1.0, PHOTO_STORED_SIZE[0] / crop_w)
    size = (round(crop_w * scale), round(crop_h * scale))
    # Centred a little above the middle: a passport-style picture keeps the head.
    image = ImageOps.fit(image, size, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    out = BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True)
    return "image/jpeg", image.width, image.height, out.getvalue()
