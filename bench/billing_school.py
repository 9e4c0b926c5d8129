"""A Slovenian bench school's POPOLNI subscriptions, written with Core as an import would:
shared by bench_billing.py (paid last year) and bench_bank_statement.py (ordered, unpaid)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

PRICE_CENTS = 2000  # gross, with 22 % VAT: 1639 + 361


class Subscribed(NamedTuple):
    """One child's subscription and its annual invoice."""

    subscription_id: int
    student_id: int
    child_name: str
    payer_name: str
    invoice_id: int
    reference: str


def subscribe_children(
    services, count: int, *, ordered_on: date, paid: bool, audit: bool
) -> list[Subscribed]:
    """Up to `count` children (those with a primary contact, who pays) get a POPOLNI order on
    `ordered_on` with its annual invoice (SI12 reference, due two weeks later). `paid`: the
    invoice was paid the next day and the subscription is ACTIVE; otherwise it is ORDERED.
    `audit`: the subscriptions, profiles and payments are written to the audit log too."""
    from sqlalchemy import insert, select

    from desktop.db.bulk import allocate_ids, bulk_insert
    from desktop.db.models import (
        Guardian,
        Invoice,
        Payment,
        Student,
        StudentGuardian,
        Subscription,
        SubscriptionProfile,
    )
    from desktop.domain import clock
    from desktop.domain.billing.records import (
        CommunicationMode,
        InvoiceKind,
        OrderChannel,
        OrderedBy,
        PaymentMethod,
        ReferenceScheme,
        make_payment_reference,
    )
    from desktop.domain.billing.states import SubscriptionState, Tier
    from desktop.domain.dates import SchoolYear
    from desktop.services.billing import invoice_number
    from tests.billing_fixtures import prepare_billing

    prepare_billing(services)
    now, actor = clock.now(), services.actor.login
    year = SchoolYear.of(ordered_on)
    paid_on = ordered_on + timedelta(days=1)
    with services.db.write(actor) as session:
        students = session.execute(
            select(Student.id, Student.first_name, Student.last_name, Student.class_name)
            .order_by(Student.id)
            .limit(count)
        ).all()
        payer = {}
        for sid, gid, first, last, phone in session.execute(
            select(
                StudentGuardian.student_id,
                Guardian.id,
                Guardian.first_name,
                Guardian.last_name,
                Guardian.phone,
            )
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(StudentGuardian.primary_contact.is_(True))
        ):
            payer[sid] = (gid, first, last, phone or "041 000 000")
        students = [s for s in students if s.id in payer]
        sub_ids = bulk_insert(
            session,
            Subscription.__table__,
            [
                {
                    "student_id": s.id,
                    "state": SubscriptionState.ACTIVE if paid else SubscriptionState.ORDERED,
                    "tier": Tier.POPOLNI,
                    "ordered_by": OrderedBy.GUARDIAN,
                    "channel": OrderChannel.ELECTRONIC,
                    "communication_mode": CommunicationMode.SMS_AND_EMAIL,
                    "student_statement_15": False,
                    "warranties_given": True,
                    "free_alternative_disclosed": True,
                    "terms_version_id": None,
                    "submitted_at": now,
                    "ordered_on": ordered_on,
                    "child_first_name": s.first_name,
                    "child_last_name": s.last_name,
                    "class_name": s.class_name or "",
                    "school_name": "Bench",
                    "activated_on": paid_on if paid else None,
                    "paid_school_year": year.start_year if paid else None,
                    "ends_on": None,
                    "end_reason": "",
                }
                for s in students
            ],
            audit=audit,
        )
        bulk_insert(
            session,
            SubscriptionProfile.__table__,
            [
                {
                    "subscription_id": sub_id,
                    "position": 1,
                    "guardian_id": payer[s.id][0],
                    "first_name": payer[s.id][1],
                    "last_name": payer[s.id][2],
                    "mobile": payer[s.id][3],
                    "email": "",
                    "is_payer": True,
                    "active": True,
                    "unsubscribed_on": None,
                    "end_reason": "",
                }
                for sub_id, s in zip(sub_ids, students, strict=True)
            ],
            audit=audit,
        )
        invoice_ids = allocate_ids(session, Invoice.__table__, len(sub_ids))
        references = [
            make_payment_reference(ReferenceScheme.SI12, year, i).replace(" ", "")
            for i in invoice_ids
        ]
        session.execute(
            insert(Invoice.__table__),
            [
                {
                    "id": invoice_id,
                    "subscription_id": sub_id,
                    "student_id": s.id,
                    "school_year": year.start_year,
                    "kind": InvoiceKind.ANNUAL,
                    "issued_on": ordered_on,
                    "due_on": ordered_on + timedelta(days=14),
                    "amount_cents": PRICE_CENTS,
                    "net_cents": 1639,
                    "vat_cents": 361,
                    "vat_rate_bp": 2200,
                    "cancelled_on": None,
                    "number": invoice_number(year, invoice_id),
                    "reference": reference,
                }
                for invoice_id, reference, sub_id, s in zip(
                    invoice_ids, references, sub_ids, students, strict=True
                )
            ],
        )
        if paid:
            bulk_insert(
                session,
                Payment.__table__,
                [
                    {
                        "subscription_id": sub_id,
                        "invoice_id": invoice_id,
                        "student_id": s.id,
                        "method": PaymentMethod.TRANSFER,
                        "amount_cents": PRICE_CENTS,
                        "value_date": paid_on,
                        "reference": "",
                        "processor_txn_id": None,
                        "card_last_four": None,
                        "payer_name": "",
                        "payer_address": "",
                        "note": "",
                        "recorded_at": now,
                        "recorded_by": actor,
                    }
                    for sub_id, invoice_id, s in zip(sub_ids, invoice_ids, students, strict=True)
                ],
                audit=audit,
            )
    return [
        Subscribed(
            sub_id,
            s.id,
            f"{s.first_name} {s.last_name}",
            f"{payer[s.id][1]} {payer[s.id][2]}",
            invoice_id,
            reference,
        )
        for sub_id, s, invoice_id, reference in zip(
            sub_ids, students, invoice_ids, references, strict=True
        )
    ]
