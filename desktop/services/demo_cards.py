"""Student cards for the demo school, so the Cards tab has something to show (R20–R31).

Most enrolled students hold a physical card valid until 31 Aug of this school year (R21); a
few cards expired on 1 Sep because nobody extended them, a handful were lost and replaced
(the old card REPLACED and linked to the new one, R23), and one or two are lost and wait for
their replacement. Numbers come from the school's serial in issue order, and the counter is
left at the highest number, so the next card continues the sequence (R23). No photos: the
printed card shows its placeholder.

Estonian schools only (R26, R34): about 40 % of the students with an isikukood activated a
virtual card on a phone (an opaque device binding, R27); one or two were suspended by the
provider (R25). The provider knows each entitled student through the outbox, exactly as the
cards service would have told it (the extension preview and the next card's validity read
the last entitlement sent). A demo has no provider configured, so those events are recorded
as already DELIVERED: nothing waits to be sent.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import bindparam, insert, select, update

from desktop.db.bulk import bulk_insert
from desktop.db.models import Card, CardSettings, ProviderOutbox, Student
from desktop.db.session import Database, record_audit
from desktop.domain import clock
from desktop.domain.cards.activation import normalise_isikukood
from desktop.domain.cards.events import (
    EntitlementStatus,
    ProviderEvent,
    SuspendReason,
    student_ref,
    suspend_event,
    upsert_event,
)
from desktop.domain.cards.machines import CardKind, PhysicalCardStatus, VirtualCardStatus
from desktop.domain.cards.numbering import CardNumber
from desktop.domain.cards.outbox import OutboxState
from desktop.domain.dates import SchoolYear, school_zone
from desktop.domain.roster import Country, StudentStatus
from desktop.i18n import N_
from desktop.services.base import Actor
from desktop.services.cards.lookups import school_code
from desktop.services.cards.settings import DEFAULT_SUPPORT_CONTACTS

P, V = PhysicalCardStatus, VirtualCardStatus

HOLDS_CARD = 0.95  # share of enrolled students with a physical card
# Shares of the card holders: one draw per student picks at most one of these.
EXPIRED = 0.012  # last year's card, not extended (from class 2 on)
LOST_AND_REPLACED = 0.008
LOST_WAITING = 0.0025  # reported lost, the replacement not issued yet
VIRTUAL = 0.40  # [EE] of the students with an isikukood and a live card
SUSPENDED = 0.003  # [EE] of the same students: suspended by the provider (R25)
# R21: in June the office extended, student by student, the cards of those who stay.
EXTENSION_DAYS = ((6, 1), (6, 30))


@dataclass
class _Holder:
    """One student's cards and what the provider was told, before numbers and ids exist."""

    student_id: int
    isikukood: str | None  # set only when the provider may know the student (R34)
    first_name: str
    last_name: str
    first_issued: date
    cards: list[dict] = field(default_factory=list)
    # The last entitlement sent (R21): valid until, status, when.
    entitlement: tuple[date, EntitlementStatus, datetime] | None = None
    suspension_requested: datetime | None = None


def seed_demo_cards(db: Database, actor: Actor, country: Country, today: date) -> int:
    """Add the demo school's cards; returns how many card rows were written."""
    rnd = random.Random(21)
    year = SchoolYear.of(today)
    zone = school_zone(country.value)
    now = clock.now()
    june = [date(year.start_year, *day) for day in EXTENSION_DAYS]

    @cache
    def opens(day: date) -> datetime:  # one time-zone conversion per day, not per card
        return datetime.combine(day, time(8), zone).astimezone(UTC)

    def at(day: date) -> datetime:
        """A moment in office hours (8–16) on `day`, never in the future."""
        return min(opens(day) + timedelta(minutes=rnd.randrange(480)), now)

    def extended_at(issued: date) -> datetime:
        """When a card from before this school year was extended (R21)."""
        first = max(june[0], issued)
        return at(first + timedelta(rnd.randint(0, max(0, (june[1] - first).days))))

    with db.write(actor.login) as session:
        settings = session.get(CardSettings, 1)
        prefix = school_code(session)
        first_serial = (settings.last_serial if settings else 0) + 1
        students = session.execute(
            select(
                Student.id,
                Student.first_name,
                Student.last_name,
                Student.personal_code,
                Student.no_local_code,
                Student.enrolled_on,
            )
            .where(Student.status == StudentStatus.ENROLLED)
            .order_by(Student.id)
        ).all()

        holders: list[_Holder] = []
        for s in students:
            if rnd.random() >= HOLDS_CARD:
                continue
            code = None
            if country is Country.EE and not s.no_local_code:
                code = normalise_isikukood(s.personal_code)
            # The first card in the first weeks at school.
            issued = min((s.enrolled_on or year.first_day) + timedelta(rnd.randint(0, 20)), today)
            holder = _Holder(s.id, code, s.first_name, s.last_name, issued)
            holders.append(holder)
            draw = rnd.random()
            if issued < year.first_day and draw < EXPIRED:
                # Not extended in June, so the daily job expired it on 1 Sep (R21) and told
                # the provider the entitlement expired.
                until = SchoolYear(year.start_year - 1).last_day
                expired_at = at(year.first_day)
                card = _physical(s.id, issued, until, P.EXPIRED, expired_at)
                card["status_reason"] = str(N_("valid until {day}", day=until.isoformat()))
                holder.cards.append(card)
                holder.entitlement = (until, EntitlementStatus.EXPIRED, expired_at)
                continue
            draw -= EXPIRED
            card = _physical(s.id, issued, year.last_day, P.ACTIVE, at(issued))
            holder.cards.append(card)
            # A card from an earlier year was extended in June: the provider heard of it then.
            sent = card["status_changed_at"] if issued >= year.first_day else extended_at(issued)
            holder.entitlement = (year.last_day, EntitlementStatus.ACTIVE, sent)
            lost_from = max(issued, year.first_day) + timedelta(days=1)
            if lost_from < today and draw < LOST_AND_REPLACED + LOST_WAITING:
                # R23: blocked at once; nothing goes to the provider, the virtual card stays.
                lost_on = lost_from + timedelta(rnd.randrange((today - lost_from).days))
                card |= {"status": P.LOST.value, "status_changed_at": at(lost_on)}
                card["status_reason"] = N_("reported lost")
                if draw < LOST_AND_REPLACED:  # R23: LOST → REPLACED, a new number
                    card["status"] = P.REPLACED.value
                    new = _physical(s.id, lost_on, year.last_day, P.ACTIVE, at(lost_on))
                    new["status_changed_at"] = max(
                        new["status_changed_at"], card["status_changed_at"]
                    )
                    holder.cards.append(new)

        # Numbers in the order the cards were issued, after the school's last serial (R23).
        physical = sorted(
            (c for h in holders for c in h.cards),
            key=lambda c: (c["issued_on"], c["status_changed_at"]),
        )
        for serial, card in enumerate(physical, first_serial):
            card["card_number"] = str(CardNumber(prefix, serial))
        last_serial = first_serial + len(physical) - 1
        for holder in holders:
            for old, new in zip(holder.cards, holder.cards[1:], strict=False):
                new["status_reason"] = str(N_("replaces {number}", number=old["card_number"]))

        virtual: list[dict] = []
        events: list[dict] = []
        if country is Country.EE:
            virtual = _virtual_cards(holders, rnd, today, year, at)
            events = _delivered_events(holders, prefix, rnd, actor.login)

        stamp = {
            "version": 1,
            "created_at": now,
            "created_by": actor.login,
            "updated_at": now,
            "updated_by": actor.login,
        }
        cards = physical + virtual
        ids = bulk_insert(session, Card.__table__, [c | stamp for c in cards], audit=False)
        card_id = {id(c): i for c, i in zip(cards, ids, strict=True)}
        # R23: the replaced card points at the one issued in its place.
        links = [
            {"b_id": card_id[id(old)], "b_new": card_id[id(new)]}
            for holder in holders
            for old, new in zip(holder.cards, holder.cards[1:], strict=False)
        ]
        if links:
            table = Card.__table__
            session.connection().execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(replaced_by_card_id=bindparam("b_new")),
                links,
            )
        bulk_insert(session, ProviderOutbox.__table__, events, audit=False)
        if settings is None:
            session.execute(
                insert(CardSettings.__table__),
                [
                    {
                        "id": 1,
                        "school_code": prefix,
                        "last_serial": last_serial,
                        "support_contacts": [list(c) for c in DEFAULT_SUPPORT_CONTACTS],
                    }
                    | stamp
                ],
            )
        elif physical:  # the counter only grows
            session.execute(
                update(CardSettings)
                .where(CardSettings.id == 1)
                .values(last_serial=last_serial)
                .execution_options(synchronize_session=False)
            )
        counts: dict[str, int] = {}
        for card in cards:
            key = f"{card['kind']}_{card['status']}".lower()
            counts[key] = counts.get(key, 0) + 1
        record_audit(
            session,
            "demo",
            "card",
            reason="demo school",
            after={
                "cards": len(cards),
                **dict(sorted(counts.items())),
                "provider_events_delivered": len(events),
                "school_code": prefix,
                "last_serial": last_serial,
            },
        )
    return len(cards)


def _physical(
    student_id: int, issued_on: date, valid_until: date, status: P, changed_at: datetime
) -> dict:
    return {
        "student_id": student_id,
        "kind": CardKind.PHYSICAL.value,
        "card_number": None,
        "issued_on": issued_on,
        "valid_until": valid_until,
        "status": status.value,
        "status_changed_at": changed_at,
        "status_reason": N_("issued"),
        "replaced_by_card_id": None,
        "device_binding_ref": None,
    }


def _virtual_cards(holders: list[_Holder], rnd: random.Random, today, year, at) -> list[dict]:
    """[EE] Virtual cards of students whose entitlement is live (R26: an isikukood, enrolled,
    and a valid card; a lost physical card changes nothing, R23)."""
    out = []
    last_year = SchoolYear(year.start_year - 1)
    for holder in holders:
        if holder.isikukood is None or holder.entitlement is None:
            continue
        if holder.entitlement[1] is not EntitlementStatus.ACTIVE:
            continue
        draw = rnd.random()
        if draw >= VIRTUAL:
            continue
        ref = f"konnekt-device-{rnd.getrandbits(64):016x}"  # the provider's opaque binding
        # A few activated last school year and suspended before the June extension (R25),
        # which then reached the card as well: extension leaves SUSPENDED as it is (R21).
        if draw < SUSPENDED and holder.first_issued < date(last_year.start_year, 10, 1):
            activated = date(last_year.start_year, 10, 1) + timedelta(rnd.randrange(150))
            suspended = activated + timedelta(rnd.randint(10, 60))
            holder.suspension_requested = at(suspended - timedelta(days=1))
            out.append(
                _virtual(holder, activated, year.last_day, at(activated), ref)
                | {
                    "status": V.SUSPENDED.value,
                    "status_changed_at": at(suspended),
                    "status_reason": N_("suspension confirmed by the provider"),
                }
            )
            continue
        start = max(holder.first_issued, today - timedelta(days=400))
        activated = start + timedelta(rnd.randint(0, (today - start).days))
        # One activated before June was extended with the student's cards then (R21).
        out.append(_virtual(holder, activated, year.last_day, at(activated), ref))
    return out


def _virtual(holder: _Holder, issued_on: date, valid_until: date, at: datetime, ref: str):
    return {
        "student_id": holder.student_id,
        "kind": CardKind.VIRTUAL.value,
        "card_number": None,
        "issued_on": issued_on,
        "valid_until": valid_until,
        "status": V.ACTIVE.value,
        "status_changed_at": at,
        "status_reason": N_("activated with Smart-ID"),
        "replaced_by_card_id": None,
        "device_binding_ref": ref,
    }


def _delivered_events(
    holders: list[_Holder], school_code: str, rnd: random.Random, login: str
) -> list[dict]:
    """[EE] What the provider was last told about each entitled student (R21, R25), in the
    order it happened, as card_sync records a delivery."""
    timed: list[tuple[datetime, int, ProviderEvent]] = []
    for holder in holders:
        if holder.isikukood is None or holder.entitlement is None:
            continue
        until, status, sent = holder.entitlement
        ref = student_ref(holder.student_id)
        if holder.suspension_requested is not None:
            event = suspend_event(_uuid(rnd), ref, reason=SuspendReason.LOST_PHONE)
            timed.append((holder.suspension_requested, holder.student_id, event))
        event = upsert_event(
            _uuid(rnd),
            ref,
            personal_code=holder.isikukood,
            first_name=holder.first_name,
            last_name=holder.last_name,
            school=school_code,
            valid_until=until,
            status=status,
        )
        timed.append((sent, holder.student_id, event))
    timed.sort(key=lambda t: t[0])
    return [
        {
            "student_id": student_id,
            "student_ref": event.student_ref,
            "event_id": str(event.event_id),
            "idempotency_key": event.idempotency_key,
            "kind": event.kind.value,
            "payload": dict(event.payload),
            "created_at": sent,
            "created_by": login,
            "attempts": 1,
            "next_attempt_at": None,
            "last_error": "",
            "state": OutboxState.DELIVERED.value,
            "delivered_at": sent + timedelta(seconds=rnd.randint(5, 240)),
        }
        for sent, student_id, event in timed
    ]


def _uuid(rnd: random.Random) -> uuid.UUID:
    """A version-4 UUID from the demo's seeded generator: the same demo every time."""
    return uuid.UUID(int=rnd.getrandbits(128), version=4)
