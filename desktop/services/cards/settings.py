"""Card settings (R29): the card-number prefix, the provider's support channels, and the
serial counter behind every new card number (R23)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desktop.db.models import CardSettings
from desktop.db.session import record_audit
from desktop.domain.cards.numbering import CardNumber
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.services.base import ensure_version
from desktop.services.cards.lookups import school_code
from desktop.services.cards.part import CardPart

# R25/R29: the channels konnekt.ee lists; the office edits them in the card settings.
DEFAULT_SUPPORT_CONTACTS: tuple[tuple[str, str], ...] = (
    ("Website", "https://konnekt.ee"),
    ("E-mail", "hello@konnekt.ee"),
)


@dataclass(frozen=True)
class CardSettingsRecord:
    school_code: str
    support_contacts: tuple[tuple[str, str], ...]
    version: int  # 0: not saved yet


def settings_record(row: CardSettings) -> CardSettingsRecord:
    contacts = tuple((str(a), str(b)) for a, b in (row.support_contacts or []))
    return CardSettingsRecord(row.school_code, contacts, row.version)


def settings_row(session: Session) -> CardSettings:
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


def next_number(session: Session) -> CardNumber:
    """One above the highest serial ever issued (R23). A single UPDATE: on PostgreSQL the
    row lock makes a second PC wait; on SQLite writes are serialised already."""
    row = settings_row(session)
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


class Settings(CardPart):
    """The card settings the office edits."""

    def settings(self) -> CardSettingsRecord:
        with self.read(Permission.MANAGE_CARDS) as session:
            row = session.get(CardSettings, 1)
            if row is None:
                return CardSettingsRecord(school_code(session), DEFAULT_SUPPORT_CONTACTS, 0)
            return settings_record(row)

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
            row = settings_row(session)
            if version:
                ensure_version(row, version, "card settings")
            row.school_code = code
            row.support_contacts = contacts
            session.flush()
            return settings_record(row)
