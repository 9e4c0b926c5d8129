"""Every document the app produced: what, about whom, in which language, by whom, its hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from desktop.db.base import Base, UTCDateTime
from desktop.domain import clock


class GeneratedDocument(Base):
    """Append-only. A letter in a batch PDF is one row; `batch` groups them, and `sha256` is then
    the hash of the batch file (that is the file that left the office)."""

    __tablename__ = "generated_document"
    __table_args__ = (
        Index("ix_generated_document_student_id", "student_id"),
        Index("ix_generated_document_guardian_id", "guardian_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(String(40), unique=True)  # DOC-2026-000123
    kind: Mapped[str] = mapped_column(String(60))  # terms, cancellation-letter, access-export…
    title: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(2))
    # Plain ids, not foreign keys: the record of what was sent outlives anonymisation.
    student_id: Mapped[int | None] = mapped_column()
    guardian_id: Mapped[int | None] = mapped_column()
    batch: Mapped[str] = mapped_column(String(40), default="")
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    generated_by: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(default=0)
