"""Roster files: recognising columns in three languages and checking each row.

Pure: takes the header and the raw cell values (as a CSV or XLSX reader gives them) and
returns clean rows or a list of problems `row N: COLUMN: VALUE: reason`, with N the row number
a spreadsheet shows (the header is row 1).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from desktop.domain.dates import parse_date_cell
from desktop.domain.encodings import check_not_garbled
from desktop.domain.errors import ValidationError
from desktop.domain.roster import (
    Language,
    StudentStatus,
    check_class_name,
    check_email,
    check_identity,
    check_name,
    check_phone,
    clean_text,
    fold,
    parse_language,
    parse_status,
)
from desktop.domain.spreadsheet import unguard_cell
from desktop.i18n import N_  # reasons are shown translated by the UI, in English elsewhere

# Canonical English headers, in the order of our own export.
COLUMNS = (
    "first_name",
    "last_name",
    "personal_code",
    "class",
    "status",
    "birth_date",
    "language",
    "guardian_first_name",
    "guardian_last_name",
    "guardian_phone",
    "guardian_email",
)
GUARDIAN_COLUMNS = COLUMNS[7:]

# What secretaries write in the header row, in English, Estonian and Slovenian.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": (
        "first name",
        "firstname",
        "given name",
        "forename",
        "name",
        "eesnimi",
        "ime",
        "õpilase eesnimi",
        "ime učenca",
        "ime dijaka",
    ),
    "last_name": (
        "last name",
        "lastname",
        "surname",
        "family name",
        "perekonnanimi",
        "perenimi",
        "priimek",
        "õpilase perekonnanimi",
        "priimek učenca",
        "priimek dijaka",
    ),
    "personal_code": (
        "personal code",
        "personal id",
        "id code",
        "national id",
        "isikukood",
        "ik",
        "emšo",
        "emso",
        "enotna matična številka občana",
    ),
    "class": ("class", "form", "class name", "grade", "klass", "rühm", "razred", "oddelek"),
    "status": ("status", "enrolment status", "staatus", "olek", "stanje"),
    "birth_date": (
        "birth date",
        "date of birth",
        "dob",
        "birthday",
        "sünniaeg",
        "sünnikuupäev",
        "datum rojstva",
        "rojstni datum",
    ),
    "language": ("language", "preferred language", "keel", "suhtluskeel", "jezik"),
    "guardian_first_name": (
        "guardian first name",
        "parent first name",
        "vanema eesnimi",
        "hooldaja eesnimi",
        "ime starša",
        "ime skrbnika",
    ),
    "guardian_last_name": (
        "guardian last name",
        "guardian surname",
        "parent last name",
        "parent surname",
        "vanema perekonnanimi",
        "hooldaja perekonnanimi",
        "priimek starša",
        "priimek skrbnika",
    ),
    "guardian_phone": (
        "guardian phone",
        "guardian mobile",
        "parent phone",
        "parent mobile",
        "vanema telefon",
        "hooldaja telefon",
        "telefon starša",
        "gsm starša",
        "telefon skrbnika",
    ),
    "guardian_email": (
        "guardian email",
        "guardian e mail",
        "parent email",
        "parent e mail",
        "vanema e post",
        "vanema email",
        "hooldaja e post",
        "e pošta starša",
        "email starša",
        "e pošta skrbnika",
    ),
}


def _header_key(text: object) -> str:
    key = fold(str(text or "")).replace("_", " ").replace("-", " ").replace(".", " ")
    return " ".join(key.split())


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


_LOOKUP: dict[str, str] = {}
for _canonical, _words in _SYNONYMS.items():
    for _word in (_canonical.replace("_", " "), *_words):
        _LOOKUP[_header_key(_word)] = _canonical
        _LOOKUP[_ascii(_header_key(_word))] = _canonical


def recognise_header(header: list[object]) -> dict[str, int]:
    """Canonical column → index in the file. The first matching column wins."""
    mapping: dict[str, int] = {}
    for index, title in enumerate(header):
        key = _header_key(title)
        canonical = _LOOKUP.get(key) or _LOOKUP.get(_ascii(key))
        if canonical and canonical not in mapping:
            mapping[canonical] = index
    return mapping


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.column}: {self.value}: {self.reason}"


@dataclass(frozen=True)
class GuardianData:
    first_name: str
    last_name: str
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class StudentRow:
    row: int
    first_name: str
    last_name: str
    personal_code: str | None
    birth_date: date
    no_local_code: bool
    class_name: str | None  # None: the file does not say (column absent or cell empty)
    status: StudentStatus | None
    language: Language | None
    guardian: GuardianData | None
    warnings: tuple[str, ...] = ()

    @property
    def key(self) -> tuple:
        """Who this row is about: the personal code, or name + birth date without one (R34)."""
        if self.personal_code:
            return ("code", self.personal_code)
        return ("name", fold(self.first_name), fold(self.last_name), self.birth_date)

    def same_student_as(self, other: StudentRow) -> bool:
        return (
            self.first_name,
            self.last_name,
            self.birth_date,
            self.class_name,
            self.status,
            self.language,
        ) == (
            other.first_name,
            other.last_name,
            other.birth_date,
            other.class_name,
            other.status,
            other.language,
        )


@dataclass
class ParsedFile:
    mapping: dict[str, int]
    header: list[str]
    rows: list[StudentRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def warnings(self) -> list[RowProblem]:
        """Accepted rows that deserve a look (R37: an unusual EMŠO is accepted with a warning)."""
        return [
            RowProblem(
                row.row,
                _title("personal_code", self.mapping, self.header),
                row.personal_code or "",
                warning,
            )
            for row in self.rows
            for warning in row.warnings
        ]


def cell_text(value: object) -> str:
    """How a cell reads to a person: 37255512345.0 from a spreadsheet reads as 37255512345."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return unguard_cell(str(value))  # our own export's guard against formula injection


def _required_columns(mapping: dict[str, int]) -> list[RowProblem]:
    missing = []
    for needed in ("first_name", "last_name"):
        if needed not in mapping:
            missing.append(RowProblem(1, needed, "", N_("no column for this; add it or map it")))
    if "personal_code" not in mapping and "birth_date" not in mapping:
        missing.append(
            RowProblem(1, "personal_code", "", N_("no column for the personal code or birth date"))
        )
    return missing


def parse_rows(
    header: list[object],
    rows: list[list[object]],
    country: str,
    mapping: dict[str, int] | None = None,
) -> ParsedFile:
    """Check every row; report every problem, not just the first."""
    mapping = recognise_header(header) if mapping is None else mapping
    titles = [cell_text(h) for h in header]
    parsed = ParsedFile(mapping, titles)
    parsed.problems.extend(_required_columns(mapping))
    if parsed.problems:
        return parsed
    seen: dict[tuple, StudentRow] = {}
    for number, cells in enumerate(rows, start=2):  # a spreadsheet's row numbers; header is 1
        if all(cell_text(c).strip() == "" for c in cells):
            continue
        row, problems = _parse_row(number, cells, mapping, titles, country)
        if problems:
            parsed.problems.extend(problems)
            continue
        earlier = seen.get(row.key)
        if earlier is not None:
            problem = _duplicate_problem(row, earlier, mapping, titles)
            if problem:
                parsed.problems.append(problem)
                continue
        else:
            seen[row.key] = row
        parsed.rows.append(row)
    return parsed


def _duplicate_problem(row: StudentRow, earlier: StudentRow, mapping, titles) -> RowProblem | None:
    """A student may appear again with another guardian; anything else is a duplicate."""
    column = "personal_code" if row.personal_code else "first_name"
    title = _title(column, mapping, titles)
    value = row.personal_code or row.first_name
    if not row.same_student_as(earlier):
        return RowProblem(
            row.row,
            title,
            value,
            N_("the same student is on row {row} with other details", row=earlier.row),
        )
    if row.guardian is None or row.guardian == earlier.guardian:
        return RowProblem(row.row, title, value, N_("duplicate of row {row}", row=earlier.row))
    return None


def _parse_row(number, cells, mapping, titles, country) -> tuple[StudentRow | None, list]:
    problems: list[RowProblem] = []

    def raw(column: str) -> object:
        index = mapping.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    def problem(column: str, value: object, reason: str) -> None:
        problems.append(
            RowProblem(number, _title(column, mapping, titles), cell_text(value), reason)
        )

    def check(column: str, fn):
        value = raw(column)
        try:
            check_not_garbled(column, value)  # "NataĹˇa" is never stored
            return fn(value)
        except ValidationError as exc:
            # A check may blame another column (a birth date that contradicts the code).
            blamed = exc.field if exc.field in mapping else column
            problem(blamed, raw(blamed), exc.reason)
            return None

    first = check("first_name", lambda v: check_name("first_name", cell_text(v)))
    last = check("last_name", lambda v: check_name("last_name", cell_text(v)))
    birth = check("birth_date", lambda v: parse_date_cell(v, "birth_date"))
    status = check("status", lambda v: parse_status(cell_text(v)))
    # Empty class: fine for a student already on the roster; the service checks new ones.
    class_name = check("class", lambda v: check_class_name(cell_text(v), required=False))
    language = check("language", lambda v: parse_language(cell_text(v)))
    birth_failed = any(p.column == _title("birth_date", mapping, titles) for p in problems)
    identity = None
    if not (birth_failed and not cell_text(raw("personal_code")).strip()):
        identity = check("personal_code", lambda v: check_identity(country, v, birth))
    guardian = _parse_guardian(raw, check, problem)
    if problems or identity is None:
        return None, problems
    return (
        StudentRow(
            number,
            first,
            last,
            identity.personal_code,
            identity.birth_date,
            identity.no_local_code,
            class_name,
            status,
            language,
            guardian,
            identity.warnings,
        ),
        [],
    )


def _title(column: str, mapping: dict[str, int], titles: list[str]) -> str:
    return titles[mapping[column]] if column in mapping else column


def _parse_guardian(raw, check, problem) -> GuardianData | None:
    """Guardian cells are optional as a group; once one is filled, name and a contact are needed."""
    if not any(clean_text(cell_text(raw(c))) for c in GUARDIAN_COLUMNS):
        return None
    first = check("guardian_first_name", lambda v: check_name("guardian_first_name", cell_text(v)))
    last = check("guardian_last_name", lambda v: check_name("guardian_last_name", cell_text(v)))
    phone = check("guardian_phone", lambda v: check_phone(cell_text(v), "guardian_phone"))
    email = check("guardian_email", lambda v: check_email(cell_text(v), "guardian_email"))
    if not (phone or email or cell_text(raw("guardian_phone")) or cell_text(raw("guardian_email"))):
        problem("guardian_phone", "", N_("give the guardian's phone or e-mail"))
        return None
    if None in (first, last):
        return None
    return GuardianData(first, last, phone, email)
