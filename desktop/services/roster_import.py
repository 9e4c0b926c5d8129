"""Roster import (CSV/XLSX) and export (CSV).

Import is two steps: `plan` reads and checks the whole file and works out what would change
(nothing is written); `commit` applies a clean plan in ONE transaction, so a bad row, a
conflict or Cancel leaves the database exactly as it was. Students are matched on the personal
code (or name + birth date without one), so re-importing the same file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.db.bulk import bulk_insert
from desktop.db.models import Guardian, Student, StudentGuardian
from desktop.domain.errors import CancelCheck, Cancelled, DatabaseError, Progress
from desktop.domain.roles import Permission
from desktop.domain.roster import Relation, StudentStatus, fold, phone_key
from desktop.domain.roster_import import (
    COLUMNS,
    GuardianData,
    ParsedFile,
    RowProblem,
    StudentRow,
    parse_rows,
    recognise_header,
)
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.base import Service, ensure_version
from desktop.services.roster import RosterService
from desktop.services.school import SchoolService
from desktop.services.tabular import read_table, write_csv

CHUNK = 1000


@dataclass(frozen=True)
class Existing:
    id: int
    version: int
    first_name: str
    last_name: str
    class_name: str | None
    status: StudentStatus
    language: str | None


@dataclass
class GuardianPlan:
    """What happens to a row's guardian: nothing, a contact update, a link, or a new guardian."""

    data: GuardianData
    guardian_id: int | None = None  # existing guardian (None: create, shared by `new_key`)
    new_key: tuple | None = None
    link: bool = False
    contact_changes: dict[str, tuple] = field(default_factory=dict)


@dataclass
class RowPlan:
    row: StudentRow
    existing: Existing | None
    changes: dict[str, tuple] = field(default_factory=dict)  # field → (before, after)
    guardian: GuardianPlan | None = None

    @property
    def kind(self) -> str:
        if self.existing is None:
            return "add"
        touched = self.changes or (
            self.guardian and (self.guardian.link or self.guardian.contact_changes)
        )
        return "update" if touched else "unchanged"


@dataclass
class ImportPlan:
    source: str
    parsed: ParsedFile
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, kind: str) -> int:
        return sum(1 for r in self.rows if r.kind == kind)

    def summary(self, *, done: bool = True) -> str:
        verbs = (
            ("added", "updated", "unchanged")
            if done
            else ("would add", "would update", "unchanged")
        )
        a, u, n = (self.count(k) for k in ("add", "update", "unchanged"))
        return f"{verbs[0]} {a}, {verbs[1]} {u}, {verbs[2]} {n}"


class RosterImportService(Service):
    def __init__(self, db, actor, roster: RosterService):
        super().__init__(db, actor)
        self.roster = roster

    # ---- step 1: read, check, compare --------------------------------------------------

    def read_header(
        self, path: Path, sheet: str | None = None
    ) -> tuple[list[object], dict[str, int]]:
        """For the column-mapping step: the file's header and what we recognised in it."""
        country = SchoolService(self.db, self.actor).require_school().country
        header, _ = read_table(path, country, sheet)
        return header, recognise_header(header)

    def plan(
        self,
        path: Path,
        mapping: dict[str, int] | None = None,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
        sheet: str | None = None,
    ) -> ImportPlan:
        """`sheet`: which sheet of a workbook (needed when several hold data)."""
        self.require(Permission.EDIT_ROSTER)
        country = SchoolService(self.db, self.actor).require_school().country
        header, cells = read_table(path, country, sheet)
        parsed = parse_rows(header, cells, country, mapping)
        plan = ImportPlan(path.name, parsed, problems=list(parsed.problems))
        if parsed.problems and not parsed.rows:
            return plan
        with self.db.read() as session:
            by_key = _existing_students(session)
            wants_guardians = any(r.guardian for r in parsed.rows)
            links = _existing_links(session) if wants_guardians else {}
            guardians = _guardian_index(session) if wants_guardians else {}
        planned_new: dict[tuple, GuardianData] = {}
        contact_rows: dict[object, tuple[int, GuardianData]] = {}  # guardian → first row naming it
        total = len(parsed.rows)
        for index, row in enumerate(parsed.rows):
            if cancel and index % 500 == 0 and cancel():
                raise Cancelled("the import check")
            existing = by_key.get(row.key)
            if (
                existing is None
                and row.class_name is None
                and row.status in (None, StudentStatus.ENROLLED)
            ):
                title = _title(parsed, "class")
                plan.problems.append(
                    RowProblem(row.row, title, "", "an enrolled student needs a class")
                )
                continue
            row_plan = RowPlan(row, existing, _student_changes(row, existing))
            if row.guardian:
                row_plan.guardian = _plan_guardian(
                    row.guardian,
                    links.get(existing.id, []) if existing else [],
                    guardians,
                    planned_new,
                )
                clash = _contact_clash(row, row_plan.guardian, contact_rows, parsed)
                if clash:
                    plan.problems.append(clash)
                    continue
            plan.rows.append(row_plan)
            if progress and index % 500 == 0:
                progress(index, total)
        plan.problems.sort(key=lambda p: p.row)
        if progress:
            progress(total, total)
        return plan

    # ---- step 2: apply -----------------------------------------------------------------

    def commit(
        self, plan: ImportPlan, progress: Progress | None = None, cancel: CancelCheck | None = None
    ) -> ImportPlan:
        if not plan.ok:
            raise ValueError("a plan with problems cannot be committed")
        country = SchoolService(self.db, self.actor).require_school()
        today = country.today()
        work = [r for r in plan.rows if r.kind != "unchanged"]
        total = len(work) or 1
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if cancel and cancel():
                raise Cancelled("the import")
            if progress:
                progress(min(done, total), total)

        try:
            with self.write(Permission.EDIT_ROSTER, reason=f"roster import {plan.source}") as s:
                new_ids = self._insert_students(
                    s, [r for r in work if r.existing is None], today, step
                )
                guardian_ids = self._insert_guardians(s, work, step)
                self._apply_updates(s, [r for r in work if r.existing], today, step)
                self._link_guardians(s, work, new_ids, guardian_ids)
        except IntegrityError as exc:
            raise DatabaseError(
                N_(
                    "The roster was changed on another computer while this file was being "
                    "imported; nothing was imported. Check the file again and re-import."
                )
            ) from exc
        if progress:
            progress(total, total)
        return plan

    def _insert_students(self, session: Session, rows: list[RowPlan], today: date, step):
        """Core bulk insert: ORM objects would cost ten times as long for a school's roster."""
        ids = bulk_insert(session, Student.__table__, [_student_values(r.row, today) for r in rows])
        step(len(rows))
        return {r.row.row: student_id for r, student_id in zip(rows, ids, strict=True)}

    def _insert_guardians(self, session: Session, work: list[RowPlan], step) -> dict[tuple, int]:
        new: dict[tuple, GuardianData] = {}
        for r in work:
            g = r.guardian
            if g and g.guardian_id is None and g.new_key not in new:
                new[g.new_key] = g.data
        values = [
            {
                "first_name": g.first_name,
                "last_name": g.last_name,
                "phone": g.phone,
                "email": g.email,
                "street": "",
                "postal_code": "",
                "city": "",
                "country_code": "",
                "language": None,
            }
            for g in new.values()
        ]
        ids = bulk_insert(session, Guardian.__table__, values)
        step(0)
        return dict(zip(new, ids, strict=True))

    def _link_guardians(self, session, work, new_student_ids, new_guardian_ids) -> None:
        values = []
        primary_taken: set[int] = set()
        for r in work:
            g = r.guardian
            if not g or not (g.link or r.existing is None):
                continue
            student_id = r.existing.id if r.existing else new_student_ids[r.row.row]
            guardian_id = g.guardian_id or new_guardian_ids[g.new_key]
            primary = r.existing is None and student_id not in primary_taken
            primary_taken.add(student_id)
            values.append(
                {
                    "student_id": student_id,
                    "guardian_id": guardian_id,
                    "relation": Relation.GUARDIAN.value,
                    "primary_contact": primary,
                }
            )
        bulk_insert(session, StudentGuardian.__table__, values)

    def _apply_updates(self, session: Session, rows: list[RowPlan], today: date, step) -> None:
        """Updates go through the ORM: versions are checked, leaving runs its cascades (R7)."""
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            students = {
                s.id: s
                for s in session.scalars(
                    select(Student).where(Student.id.in_([r.existing.id for r in chunk]))
                )
            }
            for r in chunk:
                student = students[r.existing.id]
                ensure_version(student, r.existing.version, "student")
                for name, (_before, after) in r.changes.items():
                    if name == "status":
                        continue
                    setattr(student, name, after)
                if "status" in r.changes:
                    self._change_status(session, student, r.changes["status"][1], today)
                if r.guardian and r.guardian.contact_changes:
                    guardian = session.get(Guardian, r.guardian.guardian_id)
                    for name, (_before, after) in r.guardian.contact_changes.items():
                        setattr(guardian, name, after)
            session.flush()
            step(len(chunk))

    def _change_status(self, session, student: Student, status: StudentStatus, today: date):
        if status is StudentStatus.ENROLLED:
            student.status = StudentStatus.ENROLLED
            student.left_on = None
            student.leaving_reason = ""
        else:
            self.roster.leave(session, student, status, today, "roster import")

    # ---- export ------------------------------------------------------------------------

    def export(self, path: Path) -> int:
        """Every student with their primary guardian, in the canonical import format."""
        with self.read(Permission.VIEW_ROSTER) as session:
            primary = {}
            for student_id, g in session.execute(
                select(StudentGuardian.student_id, Guardian)
                .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
                .order_by(StudentGuardian.primary_contact.desc(), StudentGuardian.id)
            ):
                primary.setdefault(student_id, (g.first_name, g.last_name, g.phone, g.email))
            students = session.execute(
                select(
                    Student.id,
                    Student.first_name,
                    Student.last_name,
                    Student.personal_code,
                    Student.class_name,
                    Student.status,
                    Student.birth_date,
                    Student.language,
                ).order_by(Student.class_name, Student.last_name, Student.first_name)
            ).all()
        rows = (
            [
                s.first_name,
                s.last_name,
                s.personal_code or "",
                s.class_name or "",
                s.status.value,
                s.birth_date.isoformat(),
                s.language.value if s.language else "",
                *(primary.get(s.id) or ("", "", "", "")),
            ]
            for s in students
        )
        return write_csv(path, list(COLUMNS), rows)


# ---- helpers -------------------------------------------------------------------------------


def _title(parsed: ParsedFile, column: str) -> str:
    index = parsed.mapping.get(column)
    return parsed.header[index] if index is not None else column


def _existing_students(session: Session) -> dict[tuple, Existing]:
    by_key: dict[tuple, Existing] = {}
    rows = session.execute(
        select(
            Student.id,
            Student.version,
            Student.first_name,
            Student.last_name,
            Student.personal_code,
            Student.birth_date,
            Student.class_name,
            Student.status,
            Student.language,
        )
    )
    for r in rows:
        existing = Existing(
            r.id,
            r.version,
            r.first_name,
            r.last_name,
            r.class_name,
            r.status,
            r.language.value if r.language else None,
        )
        if r.personal_code:
            by_key[("code", r.personal_code)] = existing
        else:
            by_key[("name", fold(r.first_name), fold(r.last_name), r.birth_date)] = existing
    return by_key


@dataclass(frozen=True)
class _KnownGuardian:
    id: int
    first_name: str
    last_name: str
    phone: str | None
    email: str | None

    def same_person(self, data: GuardianData) -> bool:
        if (fold(self.first_name), fold(self.last_name)) == (
            fold(data.first_name),
            fold(data.last_name),
        ):
            return True
        return bool(data.email and self.email and fold(data.email) == fold(self.email))


def _existing_links(session: Session) -> dict[int, list[_KnownGuardian]]:
    links: dict[int, list[_KnownGuardian]] = {}
    rows = session.execute(
        select(
            StudentGuardian.student_id,
            Guardian.id,
            Guardian.first_name,
            Guardian.last_name,
            Guardian.phone,
            Guardian.email,
        ).join(Guardian, Guardian.id == StudentGuardian.guardian_id)
    )
    for student_id, *g in rows:
        links.setdefault(student_id, []).append(_KnownGuardian(*g))
    return links


def _guardian_keys(first: str, last: str, phone: str | None, email: str | None) -> list[tuple]:
    """A guardian is the same person when the name AND the e-mail or phone agree (siblings)."""
    name = (fold(first), fold(last))
    keys = []
    if email:
        keys.append((*name, "email", fold(email)))
    if phone:
        keys.append((*name, "phone", phone_key(phone)))
    return keys


def _guardian_index(session: Session) -> dict[tuple, int]:
    index: dict[tuple, int] = {}
    for g in session.execute(
        select(Guardian.id, Guardian.first_name, Guardian.last_name, Guardian.phone, Guardian.email)
    ):
        for key in _guardian_keys(g.first_name, g.last_name, g.phone, g.email):
            index.setdefault(key, g.id)
    return index


def _plan_guardian(
    data: GuardianData,
    linked: list[_KnownGuardian],
    index: dict[tuple, int],
    planned_new: dict[tuple, GuardianData],
) -> GuardianPlan:
    for known in linked:
        if known.same_person(data):
            changes = {}
            if data.phone and phone_key(data.phone) != phone_key(known.phone):
                changes["phone"] = (known.phone, data.phone)
            if data.email and fold(data.email) != fold(known.email or ""):
                changes["email"] = (known.email, data.email)
            return GuardianPlan(data, guardian_id=known.id, contact_changes=changes)
    keys = _guardian_keys(data.first_name, data.last_name, data.phone, data.email)
    for key in keys:
        if key in index:
            return GuardianPlan(data, guardian_id=index[key], link=True)
    for key in keys:
        if key in planned_new:  # a sibling earlier in the same file
            return GuardianPlan(data, new_key=key, link=True)
    planned_new[keys[0]] = data
    return GuardianPlan(data, new_key=keys[0], link=True)


def _contact_clash(row: StudentRow, guardian: GuardianPlan, seen: dict, parsed: ParsedFile):
    """The same guardian on two rows with different contacts: which one is right is unknowable."""
    ref = guardian.guardian_id or guardian.new_key
    first = seen.setdefault(ref, (row.row, guardian.data))
    earlier_row, earlier = first
    if earlier_row == row.row:
        return None
    data = guardian.data
    if data.phone and earlier.phone and phone_key(data.phone) != phone_key(earlier.phone):
        return RowProblem(
            row.row,
            _title(parsed, "guardian_phone"),
            data.phone,
            f"the same guardian has phone {earlier.phone} on row {earlier_row}",
        )
    if data.email and earlier.email and fold(data.email) != fold(earlier.email):
        return RowProblem(
            row.row,
            _title(parsed, "guardian_email"),
            data.email,
            f"the same guardian has e-mail {earlier.email} on row {earlier_row}",
        )
    return None


def _student_changes(row: StudentRow, existing: Existing | None) -> dict[str, tuple]:
    """Only what the file states: an empty cell leaves the stored value alone."""
    if existing is None:
        return {}
    changes: dict[str, tuple] = {}
    if row.first_name != existing.first_name:
        changes["first_name"] = (existing.first_name, row.first_name)
    if row.last_name != existing.last_name:
        changes["last_name"] = (existing.last_name, row.last_name)
    if row.class_name is not None and row.class_name != existing.class_name:
        changes["class_name"] = (existing.class_name, row.class_name)
    if row.language is not None and row.language.value != existing.language:
        changes["language"] = (existing.language, row.language)
    if row.status is not None and row.status is not existing.status:
        changes["status"] = (existing.status, row.status)
    return changes


def _student_values(row: StudentRow, today: date) -> dict:
    status = row.status or StudentStatus.ENROLLED
    leaving = status is not StudentStatus.ENROLLED
    return {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "personal_code": row.personal_code,
        "no_local_code": row.no_local_code,
        "foreign_document_id": "",
        "birth_date": row.birth_date,
        "class_name": row.class_name,
        "status": status,
        "enrolled_on": None,
        "left_on": today if leaving else None,
        "leaving_reason": "imported as no longer enrolled" if leaving else "",
        "language": row.language,
        "full_capacity_from": None,
    }
