"""Both databases refuse the same texts: too long for the column, NUL bytes, bidi overrides,
zero-width and control characters, as a ValidationError naming the field (never a driver
error on PostgreSQL and silent storage on SQLite)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.errors import ValidationError, ValidationErrors
from desktop.domain.text_limits import check_text
from desktop.services.roster import GuardianInput, StudentInput

pytestmark = pytest.mark.db
MARI = dict(first_name="Mari", last_name="Tamm", personal_code="61205171232", class_name="5.a")


def _fields(exc) -> set[str]:
    errors = exc.errors if isinstance(exc, ValidationErrors) else [exc]
    return {e.field for e in errors}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"class_name": "5.a" * 10}, "class"),  # 30 > the column's 20
        ({"first_name": "Ma\x00ri"}, "first_name"),
        ({"last_name": "Tamm\u202egnaw"}, "last_name"),
        ({"first_name": "Ma\u200bri"}, "first_name"),
        ({"foreign_document_id": "X" * 500}, "foreign_document_id"),
    ],
)
def test_a_student_with_text_no_column_may_hold_is_refused(services, changes, field):
    with pytest.raises((ValidationError, ValidationErrors)) as info:
        services.roster.create_student(StudentInput(**{**MARI, **changes}))
    assert field in _fields(info.value)
    assert services.roster.table_rows() == []


def test_an_email_with_a_bidi_override_is_refused(services):
    student = services.roster.create_student(StudentInput(**MARI))
    with pytest.raises((ValidationError, ValidationErrors)) as info:
        services.roster.add_guardian(
            student.id, GuardianInput("Ema", "Tamm", email="ema@exa\u202emple.ee")
        )
    assert "email" in _fields(info.value)
    assert services.roster.get(student.id).guardians == ()


@pytest.mark.parametrize(
    "text", ["Šarić", "Õie-Liis", "5.a", "Ema\nrida 2", "Tab\there", "Ж", "名前", "O'Neil"]
)
def test_ordinary_text_passes(text):
    check_text("note", text, None)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs")), max_size=50))
def test_printable_text_within_the_limit_passes(text):
    check_text("name", text, 50)
