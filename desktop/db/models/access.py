"""Who opened School Office, and how the shared database is set up for personal logins.

`login_event` is append-only (R116): every start of the app or the command line, and every
failed login, with the app version and the PC's name. `db_access` is one row saying whether the
PostgreSQL database has been provisioned for personal logins (desktop.db.access) and whether an
administrator allowed connections without TLS from other PCs (R120).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desktop.db.base import Base, UTCDateTime
from desktop.domain import clock


class LoginEvent(Base):
    __tablename__ = "login_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    login: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(20))  # start / failed
    client: Mapped[str] = mapped_column(String(10), default="")  # gui / cli
    app_version: Mapped[str] = mapped_column(String(40), default="")
    pc_name: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class DbAccess(Base):
    __tablename__ = "db_access"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    role_prefix: Mapped[str] = mapped_column(String(40), default="")  # "" = not provisioned
    provisioned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provisioned_by: Mapped[str] = mapped_column(String(100), default="")
    allow_unencrypted: Mapped[bool] = mapped_column(default=False)
    allowed_by: Mapped[str] = mapped_column(String(100), default="")
