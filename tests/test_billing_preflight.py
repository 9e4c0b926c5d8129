"""Billing letters go by post: a payer with no postal address is on the batch's pre-flight
list with the reason, and the others are printed (issue: a letter with only a name in the
window, and no warning)."""

from __future__ import annotations

from sqlalchemy import select, update

from desktop.db.models import BillingNotice, Guardian
from tests.test_billing_print_safety import REMINDER_DAY, _due_notices, si  # noqa: F401


def test_a_payer_without_an_address_is_left_out_and_named(si, tmp_path):  # noqa: F811
    services, terms = si
    _due_notices(services, terms, 2)
    with services.db.write("tester") as session:
        first = session.scalar(select(Guardian).order_by(Guardian.id).limit(1))
        session.execute(update(Guardian).where(Guardian.id == first.id).values(street="", city=""))
        name = f"{first.first_name} {first.last_name}"
    batch = services.billing_letters.print_notices(today=REMINDER_DAY, out=tmp_path / "n.pdf")
    # The two children share this payer (siblings' guardians are linked once): both are out.
    assert batch.printed == 0 and len(batch.refused) == 2
    assert all(name in str(r) and "postal address" in str(r) for _child, r in batch.refused)
    with services.db.read() as session:
        assert all(n.printed_at is None for n in session.scalars(select(BillingNotice)))
    with services.db.write("tester") as session:  # the office adds the address: all go out
        session.execute(
            update(Guardian).where(Guardian.id == first.id).values(street="Ulica 1", city="Kranj")
        )
    again = services.billing_letters.print_notices(today=REMINDER_DAY, out=tmp_path / "m.pdf")
    assert again.printed == 2 and again.refused == ()
