"""R122: every document registered and every status change is in the audit log, also where the
service writes with a single UPDATE or a Core insert that the ORM's audit hook cannot see."""

from __future__ import annotations

from sqlalchemy import select

from desktop.db.models import AuditEntry, BillingNotice, GeneratedDocument
from desktop.domain.roster import Country
from desktop.services.demo import DemoService
from tests.test_billing_print_safety import REMINDER_DAY, _due_notices, si  # noqa: F401


def _audit(services, entity: str) -> list[AuditEntry]:
    with services.db.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.entity == entity)))


def test_notices_printed_and_their_documents_are_audited(si, tmp_path):  # noqa: F811
    services, terms = si
    _due_notices(services, terms, 2)
    batch = services.billing_letters.print_notices(today=REMINDER_DAY, out=tmp_path / "n.pdf")
    assert batch.printed == 2
    with services.db.read() as session:
        notices = {n.id: n.document_id for n in session.scalars(select(BillingNotice))}
        documents = set(session.scalars(select(GeneratedDocument.id)))
    printed = {
        int(e.entity_id): e.after
        for e in _audit(services, "billing_notice")
        if e.action == "printed"
    }
    assert {i: a["document_id"] for i, a in printed.items()} == {
        i: d for i, d in notices.items() if d is not None
    }
    registered = {int(e.entity_id) for e in _audit(services, "generated_document")}
    assert documents and documents <= registered


def test_each_card_number_drawn_is_audited(services):
    DemoService(services.db, services.actor).fill(Country.EE, 6, cards=False)
    for row in [r for r in services.roster.table_rows() if r[3]][:2]:  # with an isikukood
        services.cards.issue_physical(row[0])
    steps = [(e.before, e.after) for e in _audit(services, "card_settings")]
    serials = [(b["last_serial"], a["last_serial"]) for b, a in steps if "last_serial" in a]
    assert [after - before for before, after in serials] == [1, 1]
    assert serials[1][0] == serials[0][1]
