"""D18 (EE, Harno Moodle): the institution application (a)–(d) (R18), the account deletion
request (R61), the personal-code exception request (R34) and the notice of a longer stay on a
finished course (R17, R104). The first three go by e-mail to Harno's user support; the PDF is
what the school signs (digitally, for the application) and attaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.documents.letter_parts import Letter, LetterHeader
from desktop.documents.model import Paragraph
from desktop.i18n import N_, Translator

HARNO_SUPPORT = ("Harno Moodle kasutajatugi", "moodle@tugi.edu.ee")

APPLICATION_SUBJECT = N_("Application to join Harno Moodle as an institution")
APPLICATION_TEXTS = (
    N_(
        "We apply for our institution to be added to Harno Moodle with its own subcategory, "
        "and for the person named above to be appointed its administrator."
    ),
    N_(
        "The institution keeps the roles and rights of its users appropriate and keeps "
        "unauthorised persons out."
    ),
)
APPLICATION_NOTE = N_(
    "This application must be signed digitally by a person with signing authority and sent "
    "by e-mail to moodle@tugi.edu.ee."
)

DELETION_SUBJECT = N_("Request to delete a Harno Moodle account")
DELETION_TEXTS = (
    N_(
        "Please delete the Harno Moodle account named above and all data linked to it. The "
        "user has no active study work: the institution has removed them from its courses."
    ),
    N_(
        "The account and its data are deleted within 2 weeks of receipt of this request, "
        "by %(due)s."
    ),
)

EXCEPTION_SUBJECT = N_("Request for a personal-code exception in Harno Moodle")
EXCEPTION_TEXTS = (
    N_(
        "The user named above has no Estonian personal identification code and cannot add one "
        "to their account. Please allow them to use Harno Moodle without it."
    ),
    N_("User support approves or rejects the request within 1 working day, by %(due)s."),
)

RETENTION_SUBJECT = N_("You stay longer on a finished course")
RETENTION_TEXTS = (
    N_(
        "The course named above ended on %(ended)s. Users are normally removed from a finished "
        "course within 6 months of its end, by %(due)s."
    ),
    N_("You will stay on the course until %(until)s. The reason: %(reason)s"),
    N_("If you have questions, please contact the school office."),
)


@dataclass(frozen=True)
class InstitutionApplication:
    institution: str  # (a)
    admin_name: str  # (b)
    admin_username: str  # (c)
    admin_email: str  # (d)
    signatory: str = ""


def application_letter(tr: Translator, data: InstitutionApplication) -> Letter:
    rows = (
        (tr.gettext("(a) Institution"), data.institution),
        (tr.gettext("(b) Administrator"), data.admin_name),
        (tr.gettext("(c) Harno Moodle user name"), data.admin_username),
        (tr.gettext("(d) E-mail of the account"), data.admin_email),
    )
    after = (Paragraph(tr.gettext(APPLICATION_NOTE), small=True),)
    closing = tr.gettext("Signed digitally:") + f"\n{data.signatory}" if data.signatory else ""
    return Letter(
        HARNO_SUPPORT,
        tr.gettext(APPLICATION_SUBJECT),
        rows,
        [tr.gettext(t) for t in APPLICATION_TEXTS],
        after=after,
        closing=closing,
        greet=False,
    )


@dataclass(frozen=True)
class AccountDeletion:
    name: str
    username: str
    email: str
    received_on: date
    due_on: date


def deletion_letter(tr: Translator, data: AccountDeletion) -> Letter:
    values = {"due": tr.format_date(data.due_on)}
    return Letter(
        HARNO_SUPPORT,
        tr.gettext(DELETION_SUBJECT),
        (
            (tr.gettext("Name"), data.name),
            (tr.gettext("User name"), data.username or "—"),
            (tr.gettext("E-mail of the account"), data.email or "—"),
        ),
        [tr.gettext(t) % values for t in DELETION_TEXTS],
        greet=False,
    )


@dataclass(frozen=True)
class CodeException:
    name: str
    birth_date: date
    document_id: str
    email: str
    username: str
    due_on: date


def exception_letter(tr: Translator, data: CodeException) -> Letter:
    values = {"due": tr.format_date(data.due_on)}
    return Letter(
        HARNO_SUPPORT,
        tr.gettext(EXCEPTION_SUBJECT),
        (
            (tr.gettext("Name"), data.name),
            (tr.gettext("Date of birth"), tr.format_date(data.birth_date)),
            (tr.gettext("Foreign identity document"), data.document_id or "—"),
            (tr.gettext("User name"), data.username or "—"),
            (tr.gettext("E-mail of the account"), data.email or "—"),
        ),
        [tr.gettext(t) % values for t in EXCEPTION_TEXTS],
        greet=False,
    )


@dataclass(frozen=True)
class LongerRetention(LetterHeader):  # to the former student
    course: str
    course_end: date
    removal_due: date  # R17: course end + 6 months
    kept_until: date
    reason: str


def retention_letter(tr: Translator, data: LongerRetention) -> Letter:
    values = {
        "ended": tr.format_date(data.course_end),
        "due": tr.format_date(data.removal_due),
        "until": tr.format_date(data.kept_until),
        "reason": data.reason,
    }
    return Letter(
        data.recipient,
        tr.gettext(RETENTION_SUBJECT),
        (
            (tr.gettext("Course"), data.course),
            (tr.gettext("Course ended"), values["ended"]),
            (tr.gettext("Kept until"), values["until"]),
        ),
        [tr.gettext(t) % values for t in RETENTION_TEXTS],
        reader=data.reader,
    )
