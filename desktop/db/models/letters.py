"""Letters and forms of issue 15: what their printing must remember.

* `TermsChangeNotice` (R50, R51, D9): when the notice of a change of terms was sent to each
  subscriber. The withdrawal deadline (D10) is computed from this record, never typed in, and
  a withdrawal that cites no recorded notice is refused.
* `ContactReport` (R43, R124, D20): a lost phone or a change of contact data, with the day and
  hour it was received and the contact data before and after (the evidence timestamps).
* `LetterSettings` (R59): the school's data protection officer, printed on the D16 letters.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desktop.db.base import Audited, Base, UTCDateTime, Versioned


class TermsChangeNotice(Versioned, Audited, Base):
    """R51: one subscriber (guardian on a subscription) told of one new terms version."""

    __tablename__ = "terms_change_notice"
    __table_args__ = (UniqueConstraint("terms_version_id", "subscription_id", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    terms_version_id: Mapped[int] = mapped_column(
        ForeignKey("terms_version.id", ondelete="RESTRICT"), index=True
    )
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscription.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="SET NULL"))
    sent_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(40), default="")
    document_id: Mapped[str] = mapped_column(String(40), default="")

    def audit_student_id(self) -> int | None:
        return self.student_id


class ContactReport(Versioned, Audited, Base):
    """R43/R124: a guardian's report of a lost device or of changed contact data."""

    __tablename__ = "contact_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(
        ForeignKey("guardian.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  # LOST_DEVICE, CONTACT_CHANGE
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)  # day and hour of receipt
    channel: Mapped[str] = mapped_column(String(40))
    old_phone: Mapped[str] = mapped_column(String(40), default="")
    new_phone: Mapped[str] = mapped_column(String(40), default="")
    old_email: Mapped[str] = mapped_column(String(254), default="")
    new_email: Mapped[str] = mapped_column(String(254), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the roster was changed

    def audit_student_id(self) -> int | None:
        return self.student_id


class LetterSettings(Versioned, Audited, Base):
    """One row: the data protection officer the D16 letters name (R59)."""

    __tablename__ = "letter_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    dpo_name: Mapped[str] = mapped_column(String(200), default="")
    dpo_email: Mapped[str] = mapped_column(String(254), default="")
    dpo_phone: Mapped[str] = mapped_column(String(40), default="")
    dpo_address: Mapped[str] = mapped_column(String(300), default="")
