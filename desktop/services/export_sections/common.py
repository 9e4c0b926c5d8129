"""What every section provider shares: the export's context, a provider's registration,
and a table of model rows as a section.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import StaffUser
from desktop.documents.access_export import ExportColumn as Col
from desktop.documents.access_export import ExportSectionData


@dataclass(frozen=True)
class ExportContext:
    student_id: int
    guardian_id: int  # the requesting guardian
    country: str
    generated_at: datetime


SectionProvider = Callable[[Session, ExportContext], Sequence[ExportSectionData]]


@dataclass(frozen=True)
class ExportSection:
    key: str
    order: int  # sections are printed in this order
    collect: SectionProvider


def table(
    key: str,
    title: str,
    columns: Sequence[Col],
    items: Iterable[Any],
    note: str = "",
    layout: Literal["table", "record"] = "table",
    **computed: Callable[[Any], Any],
) -> ExportSectionData:
    """A section whose every column reads the item's attribute of the same name (an enum as
    its value); `computed` gives a column's value where it is no attribute, or is withheld."""
    return ExportSectionData(
        key,
        title,
        tuple(columns),
        tuple(
            {
                c.key: computed[c.key](item) if c.key in computed else plain(getattr(item, c.key))
                for c in columns
            }
            for item in items
        ),
        note,
        layout,
    )


def plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def staff_names(session: Session) -> dict[str, str]:
    """login → full name; a login without a name is printed as the school office."""
    return {
        login: name
        for login, name in session.execute(select(StaffUser.login, StaffUser.full_name))
        if name and name != login
    }
