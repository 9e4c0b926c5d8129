"""What the letters that stop contact (R15, R48, R100, R101) and answer a data-subject
request (R57–R59) must and must not carry, as data the document builders check against."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from desktop.domain.errors import ValidationError, ValidationErrors
from desktop.i18n import N_  # refusals are shown translated by the UI


@dataclass(frozen=True)
class NoticeRequirements:
    """What a letter must (and must not) carry, as data the document builders check against."""

    document: str
    rules: tuple[str, ...]
    recipients: str
    send: str
    must_include: tuple[str, ...]
    must_not_include: tuple[str, ...] = ()

    def check(self, fields: Mapping[str, object]) -> None:
        """Raise ValidationErrors naming every missing and every forbidden field."""
        errors = [
            ValidationError(name, fields.get(name), N_("the letter must include this"))
            for name in self.must_include
            if not _filled(fields.get(name))
        ]
        errors += [
            ValidationError(name, "…", N_("the letter must not disclose this"))
            for name in self.must_not_include
            if _filled(fields.get(name))
        ]
        if errors:
            raise ValidationErrors(errors)


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, Sequence | Mapping):
        return len(value) > 0
    return True


CHILD_CONTACT_FIELDS = ("child_address", "child_phone", "child_email")

NOTICE_REQUIREMENTS: dict[str, NoticeRequirements] = {
    "D6": NoticeRequirements(
        "D6",
        ("R48", "R100"),
        "eŠola or the school",
        "by the student",
        ("student_name", "received_on", "handwritten_signature"),
    ),
    "D7": NoticeRequirements(
        "D7",
        ("R48", "R100"),
        "each guardian linked to the student",
        "when D6 is registered",
        ("guardian_name", "child_name", "termination_date", "reasons"),
        # Ours: the adult has just forbidden data to the parents, so none of theirs goes out.
        CHILD_CONTACT_FIELDS,
    ),
    "D8": NoticeRequirements(
        "D8",
        ("R15", "R101"),
        "the restricted guardian, and the subscriber if a different person",
        "immediately: the same day the restriction is recorded",
        ("guardian_name", "child_name", "change_or_termination", "effective_date"),
        (*CHILD_CONTACT_FIELDS, "measure_details"),  # R101: no more than necessary
    ),
    "D16": NoticeRequirements(
        "D16",
        ("R57", "R58", "R59"),
        "the requester",
        "acknowledgement on receipt; response within one month",
        ("dpo_contact", "information_commissioner"),
    ),
}
