"""D6: the adult student's prohibition letter, a form pre-filled from the roster for the
student to sign by hand (R48, R100), and the confirmation that the student withdrew it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.documents.letter_parts import Letter, LetterHeader, contact_block
from desktop.documents.model import Block, Boxed, KeyValueTable, Paragraph, SignatureLines
from desktop.documents.template import PLACE_AND_DATE, SIGNATURE
from desktop.domain.salutation import Gender, child_label
from desktop.i18n import N_, Translator

FORM_TITLE = N_("Prohibition of passing my personal data to my parents")
FORM_TEXTS = (
    N_(
        "I, the undersigned student, have full legal capacity. I forbid the school and the "
        "provider of the e-register to pass my personal data to my parents or guardians named "
        "above."
    ),
    N_(
        "I know that a subscription to the paid notification service for me then ends, and "
        "that my parents or guardians are told that it ends and why."
    ),
    N_("I may withdraw this prohibition at any time with a written statement."),
)
FORM_NOTE = N_(
    "The prohibition is valid only with a handwritten signature. Hand the signed form in at the "
    "school office or send it by post to the school or to the provider:"
)
OFFICE_USE = N_("For the school office")
RECEIVED_BY = N_("Received on, by")

WITHDRAWAL_SUBJECT = N_("Your prohibition of passing data to your parents is withdrawn")
WITHDRAWAL_TEXTS = (
    N_(
        "We confirm that you withdrew your prohibition of passing your personal data to your "
        "parents or guardians. The school received the prohibition on %(received)s; it no "
        "longer applies from %(withdrawn)s."
    ),
    N_(
        "From that day the school may again pass your personal data to your parents or "
        "guardians as before. A subscription that ended because of the prohibition does not "
        "start again by itself; it can be ordered again."
    ),
)


@dataclass(frozen=True)
class ProhibitionForm:
    student_name: str
    birth_date: date
    class_name: str
    school_name: str
    guardians: tuple[str, ...]
    addresses: tuple[tuple[str, tuple[str, ...]], ...]  # (title, lines): school, provider
    gender: Gender = Gender.UNKNOWN  # from the personal code: "Dijakinja" / "Dijak"


def prohibition_form_body(tr: Translator, form: ProhibitionForm) -> list[Block]:
    rows = (
        (child_label(tr, form.gender, adult=True), form.student_name),
        (tr.gettext("Date of birth"), tr.format_date(form.birth_date)),
        (tr.gettext("Class"), form.class_name or "—"),
        (tr.gettext("School"), form.school_name),
        (tr.gettext("Parents or guardians"), ", ".join(form.guardians) or "—"),
    )
    body: list[Block] = [KeyValueTable(rows)]
    body += [Paragraph(tr.gettext(t)) for t in FORM_TEXTS]
    body.append(
        SignatureLines((tr.gettext(PLACE_AND_DATE), tr.gettext(SIGNATURE)), ("", form.student_name))
    )
    body.append(Paragraph(tr.gettext(FORM_NOTE), small=True))
    for title, lines in form.addresses:
        body.append(contact_block(title, lines))
    body.append(Boxed(tr.gettext(RECEIVED_BY) + ": ", tr.gettext(OFFICE_USE)))
    return body


@dataclass(frozen=True)
class ProhibitionWithdrawal(LetterHeader):  # to the student: `reader` is the student's name
    received_on: date
    withdrawn_on: date
    gender: Gender = Gender.UNKNOWN


def withdrawal_letter(tr: Translator, data: ProhibitionWithdrawal) -> Letter:
    values = {
        "received": tr.format_date(data.received_on),
        "withdrawn": tr.format_date(data.withdrawn_on),
    }
    return Letter(
        data.recipient,
        tr.gettext(WITHDRAWAL_SUBJECT),
        (
            (child_label(tr, data.gender, adult=True), data.reader),
            (tr.gettext("Prohibition received"), values["received"]),
            (tr.gettext("Withdrawn from"), values["withdrawn"]),
        ),
        [tr.gettext(t) % values for t in WITHDRAWAL_TEXTS],
        reader=data.reader,
    )
