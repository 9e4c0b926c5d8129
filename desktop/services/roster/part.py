"""What every part of RosterService shares: the cascade handlers, loading one student with its
guardians and restrictions, one versioned edit, and collecting every field error of a form."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from desktop.db.models import ContactRestriction, Guardian, Student, StudentGuardian
from desktop.domain.errors import NotFound, ValidationError, ValidationErrors
from desktop.domain.roles import Permission
from desktop.services.base import Service, ensure_version

# Called inside the leaving transaction (R7, R13): cards close, subscriptions end.
LeavingHandler = Callable[[Session, Student, date], None]
# Called inside the transaction that records an authority restriction (R15): subscriptions end.
# (session, student_id, guardian_id, valid_from)
RestrictionHandler = Callable[[Session, int, int, date], None]
_Row = TypeVar("_Row", Student, Guardian, StudentGuardian, ContactRestriction)


def collect(checks: list[Callable[[], object]]) -> list[object]:
    """Run every field check and report all failures together, so a form marks every field."""
    results, errors = [], []
    for check in checks:
        try:
            results.append(check())
        except ValidationError as exc:
            errors.append(exc)
            results.append(None)
    if errors:
        raise ValidationErrors(errors)
    return results


class RosterPart(Service):
    def __init__(self, db, actor):
        super().__init__(db, actor)
        self.leaving_handlers: list[LeavingHandler] = []
        self.restriction_handlers: list[RestrictionHandler] = []

    @staticmethod
    def _load(session: Session, student_id: int) -> Student:
        student = session.scalar(
            select(Student)
            .where(Student.id == student_id)
            .options(
                selectinload(Student.guardian_links).selectinload(StudentGuardian.guardian),
                selectinload(Student.guardian_links).selectinload(StudentGuardian.restrictions),
            )
        )
        if student is None:
            raise NotFound("student", student_id)
        return student

    @contextmanager
    def _editing(
        self, entity: str, model: type[_Row], row_id: int, version: int
    ) -> Iterator[tuple[Session, _Row]]:
        """One roster write to one row: found (else NotFound) and as the secretary last saw it
        (else ConflictError, also when another save wins the race in the UPDATE itself)."""
        with self._saving(entity, model, row_id), self.write(Permission.EDIT_ROSTER) as session:
            if model is Student:
                row = self._load(session, row_id)  # with its guardians and restrictions
            else:
                row = session.get(model, row_id)
                if row is None:
                    raise NotFound(entity, row_id)
            ensure_version(row, version, entity)
            yield session, row
