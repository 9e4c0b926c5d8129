"""Cancellation and withdrawal letters (R51, R96, R98, R102): when a cancellation takes effect,
the 8-day window to withdraw over a terms change, and the check of a received letter against
the order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from desktop.domain.dates import add_days
from desktop.domain.errors import ValidationError
from desktop.domain.roster import fold
from desktop.i18n import N_  # letter states and amount errors are shown translated by the UI

TERMS_WITHDRAWAL_DAYS = 8  # 004 B.VII(1): "within 8 days of the notification being sent"


def cancellation_effective_date(received_on: date) -> date:
    """R98: the day after the written notice is received, weekends and holidays included."""
    return add_days(received_on, 1)


def terms_withdrawal_deadline(notice_sent_on: date) -> date:
    """R51: sent_on + 8 days, end of that day (sent 1 Oct → until 9 Oct)."""
    return add_days(notice_sent_on, TERMS_WITHDRAWAL_DAYS)


def require_terms_withdrawal_in_time(notice_sent_on: date, received_on: date) -> None:
    """R51/R102: refuse a withdrawal received after the 8-day window (or before the notice)."""
    if received_on < notice_sent_on:
        raise ValidationError(
            "received_on",
            received_on,
            N_("is before the terms notice was sent ({date})", date=notice_sent_on),
        )
    deadline = terms_withdrawal_deadline(notice_sent_on)
    if received_on > deadline:
        raise ValidationError(
            "received_on",
            received_on,
            # R51
            N_(
                "the time to withdraw ended on {deadline} (notice sent {date}); "
                "the new terms are accepted",
                deadline=deadline,
                date=notice_sent_on,
            ),
        )


@dataclass(frozen=True)
class GuardianContact:
    first_name: str
    last_name: str
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class SubscriberData:
    """The R96 items, as given with the order or as written in a received letter."""

    child_first_name: str
    child_last_name: str
    school_name: str
    guardians: tuple[GuardianContact, ...]


class LetterStatus(StrEnum):
    READY = N_("ready to process")
    DATA_MISSING = N_("cannot be processed – data missing")  # R96


@dataclass(frozen=True)
class LetterIssue:
    item: str  # e.g. "child first name", "guardian 2 (Ana Novak): mobile or e-mail"
    problem: str  # "missing" or "does not match the order"


@dataclass(frozen=True)
class LetterCheck:
    issues: tuple[LetterIssue, ...]

    @property
    def status(self) -> LetterStatus:
        return LetterStatus.DATA_MISSING if self.issues else LetterStatus.READY


MISSING = "missing"
MISMATCH = "does not match the order"


def normalise_phone(text: str, calling_code: str = "386") -> str:
    """'041 123 456', '+386 41 123 456' and '00386-41-123-456' are the same number."""
    digits = re.sub(r"\D", "", text)
    if text.strip().startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return calling_code + digits[1:]
    return digits


def _compare(item: str, expected: str, found: str, issues: list[LetterIssue]) -> None:
    if not found.strip():
        issues.append(LetterIssue(item, MISSING))
    elif fold(found) != fold(expected):
        issues.append(LetterIssue(item, MISMATCH))


def check_letter_data(
    order: SubscriberData, letter: SubscriberData, calling_code: str = "386"
) -> LetterCheck:
    """R96: list what a received letter lacks or gets wrong compared with the order data.

    Each guardian on the order must appear by name with a mobile and/or e-mail; every contact
    the letter gives must match the one on the order.
    """
    issues: list[LetterIssue] = []
    _compare("child first name", order.child_first_name, letter.child_first_name, issues)
    _compare("child last name", order.child_last_name, letter.child_last_name, issues)
    _compare("school", order.school_name, letter.school_name, issues)

    def key(g: GuardianContact) -> tuple[str, str]:
        return fold(g.first_name), fold(g.last_name)

    in_letter = {key(g): g for g in letter.guardians}
    order_keys = {key(g) for g in order.guardians}
    for n, wanted in enumerate(order.guardians, start=1):
        label = f"guardian {n} ({wanted.first_name} {wanted.last_name})"
        given = in_letter.get(key(wanted))
        if given is None:
            issues.append(LetterIssue(f"{label}: name", MISSING))
            continue
        mobile, email = given.mobile.strip(), given.email.strip()
        if not mobile and not email:
            issues.append(LetterIssue(f"{label}: mobile or e-mail", MISSING))
        if mobile and normalise_phone(mobile, calling_code) != normalise_phone(
            wanted.mobile, calling_code
        ):
            issues.append(LetterIssue(f"{label}: mobile", MISMATCH))
        if email and email.casefold() != wanted.email.strip().casefold():
            issues.append(LetterIssue(f"{label}: e-mail", MISMATCH))
    for g in letter.guardians:
        if key(g) not in order_keys:
            issues.append(LetterIssue(f"guardian {g.first_name} {g.last_name}", MISMATCH))
    return LetterCheck(tuple(issues))
