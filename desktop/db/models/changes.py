"""The change counter: one row, bumped by every write that changed anything (desktop.db.changes).

Other PCs poll it every few seconds: a number that moved means someone changed the data."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from desktop.db.base import Base


class ChangeCounter(Base):
    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    value: Mapped[int] = mapped_column(default=0)
