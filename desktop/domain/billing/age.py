"""Age (R47, R90): a student orders or starts a trial alone only from the 15th birthday."""

from __future__ import annotations

from datetime import date

from desktop.domain.dates import has_reached_age
from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # letter states and amount errors are shown translated by the UI

STUDENT_SELF_SERVICE_AGE = 15  # R47: 004 B.II.1(2) item 5, B.VI(3)


def student_may_act_alone(birth_date: date, act_date: date) -> bool:
    """R47/R90: a student may order or start a trial alone from the 15th birthday (R6)."""
    return has_reached_age(birth_date, STUDENT_SELF_SERVICE_AGE, act_date)


def require_student_may_act_alone(
    birth_date: date, act_date: date, field_name: str = "birth_date"
) -> None:
    if not student_may_act_alone(birth_date, act_date):
        raise ValidationError(
            field_name,
            birth_date,
            # R47
            N_(
                "the student is under {age} on {date}; only a guardian can order for them",
                age=STUDENT_SELF_SERVICE_AGE,
                date=act_date,
            ),
        )
