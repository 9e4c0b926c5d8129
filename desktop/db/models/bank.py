"""Bank statement entries booked as payments (R77, R122).

One row per bank entry that became one or more payments. `entry_key` (the account's IBAN and
the bank's own reference for the entry) is unique: the same statement, or one that overlaps
it, imported again on any PC books nothing twice (R122). Append-only, like the audit log.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desktop.db.base import Audited, Base, UTCDateTime, str_enum
from desktop.domain import clock
from desktop.domain.bank_matching import Outcome


class BankEntry(Audited, Base):
    __tablename__ = "bank_entry"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_cents"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_key: Mapped[str] = mapped_column(String(120), unique=True)
    entry_ref: Mapped[str] = mapped_column(String(80))  # the bank's reference, as in the file
    account_iban: Mapped[str] = mapped_column(String(34), default="")
    statement_id: Mapped[str] = mapped_column(String(120), default="")
    message_id: Mapped[str] = mapped_column(String(35), default="")
    message_kind: Mapped[str] = mapped_column(String(20))  # camt.053.001.02, …
    file_sha256: Mapped[str] = mapped_column(String(64))
    booked_on: Mapped[date | None] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    debtor_name: Mapped[str] = mapped_column(String(140), default="")
    debtor_iban: Mapped[str] = mapped_column(String(34), default="")
    reference: Mapped[str] = mapped_column(String(40), default="")  # the first structured one
    text: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, 16))
    assigned: Mapped[bool] = mapped_column(default=False)  # a person chose the invoice (R67)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    surplus_cents: Mapped[int] = mapped_column(default=0)  # proposed as a refund (R79)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    imported_by: Mapped[str] = mapped_column(String(100))
