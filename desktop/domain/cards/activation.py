"""May this person activate the student's virtual card [EE] (R26, R34): the Smart-ID code
against the roster's, and why not in plain words."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from desktop.domain.personal_codes import normalise_code_text
from desktop.domain.roster import StudentStatus
from desktop.i18n import N_  # refusals are shown translated by the UI


class ActivationRefusal(enum.StrEnum):
    NOT_IN_ROSTER = "NOT_IN_ROSTER"
    NO_ESTONIAN_CODE = "NO_ESTONIAN_CODE"
    BAD_SMART_ID_CODE = "BAD_SMART_ID_CODE"
    CODES_DIFFER = "CODES_DIFFER"
    NOT_ENROLLED = "NOT_ENROLLED"


ACTIVATION_MESSAGES = {
    ActivationRefusal.NOT_IN_ROSTER: N_("The student is not in the school's roster."),
    # R34
    ActivationRefusal.NO_ESTONIAN_CODE: N_(
        "The student has no Estonian isikukood, and the virtual card needs Smart-ID with one. "
        "The student can use the physical card."
    ),
    ActivationRefusal.BAD_SMART_ID_CODE: N_(
        "Smart-ID did not return a usable isikukood; the student should log in again."
    ),
    ActivationRefusal.CODES_DIFFER: N_(
        "The isikukood from the student's Smart-ID login is not the one in the roster. "
        "Check the roster entry; if it is right, someone else logged in."
    ),
    ActivationRefusal.NOT_ENROLLED: N_(
        "The student is no longer enrolled (left or graduated), so no virtual card is issued."
    ),
}


@dataclass(frozen=True)
class RosterStudentForCard:
    """What the roster knows about the student a virtual card is asked for."""

    personal_code: str | None
    no_local_code: bool
    status: StudentStatus


@dataclass(frozen=True)
class ActivationCheck:
    refusal: ActivationRefusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    @property
    def message(self) -> str:
        return ACTIVATION_MESSAGES[self.refusal] if self.refusal else N_("The codes match.")


_SMART_ID_PREFIX = re.compile(r"^(PNOEE-|EE)", re.IGNORECASE)  # Smart-ID subject: PNOEE-<code>


def normalise_isikukood(raw: object) -> str | None:
    """The 11-digit string of an isikukood as typed or as Smart-ID returns it, else None."""
    text = _SMART_ID_PREFIX.sub("", str(raw or "").strip())
    code = normalise_code_text(text, "EE")
    return code if len(code) == 11 and code.isdigit() else None


def check_activation(
    student: RosterStudentForCard | None, smart_id_code: str | None
) -> ActivationCheck:
    """R26/R34: may this person activate the student's virtual card?

    Identity comes before enrolment: if the codes differ, the roster entry's status is about
    someone else and says nothing useful.
    """
    if student is None:
        return ActivationCheck(ActivationRefusal.NOT_IN_ROSTER)
    roster_code = normalise_isikukood(student.personal_code)
    if student.no_local_code or roster_code is None:
        return ActivationCheck(ActivationRefusal.NO_ESTONIAN_CODE)
    presented = normalise_isikukood(smart_id_code)
    if presented is None:
        return ActivationCheck(ActivationRefusal.BAD_SMART_ID_CODE)
    if presented != roster_code:
        return ActivationCheck(ActivationRefusal.CODES_DIFFER)
    if student.status is not StudentStatus.ENROLLED:
        return ActivationCheck(ActivationRefusal.NOT_ENROLLED)
    return ActivationCheck()
