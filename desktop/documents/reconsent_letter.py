"""The re-consent letter: to a student about to reach an age at which they decide for
themselves (R46–R48): at 13 in Estonia (the e-learning account), at 15 in Slovenia (ordering or
trying the paid tier) and at 18 in both (full legal capacity). It says what changes on that day
and asks the student to confirm or withdraw, on a form to sign and return, the consents that a
parent or guardian gave until then. It is handed over at school, so it is addressed through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.documents.letter_parts import Letter
from desktop.documents.model import Paragraph, SignatureLines
from desktop.documents.template import PLACE_AND_DATE, SIGNATURE
from desktop.domain.salutation import Gender, child_label
from desktop.i18n import N_, Translator

ADULT_YEARS = 18

SUBJECTS = {
    13: N_("From %(date)s you may consent to the e-learning environment yourself"),
    15: N_("From %(date)s you may order the paid e-register service yourself"),
    18: N_("From %(date)s you decide about your personal data yourself"),
}
CHANGES = {
    13: N_(
        "On %(date)s you turn 13. From that day you may use the Harno Moodle e-learning "
        "environment on your own consent. Until now your parent or guardian consented to it "
        "for you, or the school's rules of study allowed it."
    ),
    15: N_(
        "On %(date)s you turn 15. From that day you may yourself order the paid eAsistent "
        "service or try the student mobile app. Until now only your parent or guardian could "
        "do so for you."
    ),
    18: N_(
        "On %(date)s you turn 18 and gain full legal capacity. From that day you decide about "
        "your personal data yourself, and letters about your consents are addressed to you."
    ),
}
ASK = N_(
    "The consents that concern you have so far been given by your parent or guardian. Please "
    "tick below whether they should continue as your own decision, sign the form and return "
    "it to the school office."
)
# R48: in Slovenia an adult student may forbid passing their data to the parents.
PROHIBITION = N_(
    "You may also forbid the school and the provider of the e-register to pass your personal "
    "data to your parents or guardians, with a letter you sign by hand. The school office "
    "will give you the form."
)
CHOICES = (
    N_("I agree that the consents given so far continue."),
    N_("I do not agree: I withdraw the consents given so far on my behalf."),
)


@dataclass(frozen=True)
class ReconsentLetter:
    recipient: tuple[str, ...]  # the student, through the school: name, class, school
    student_name: str
    birth_date: date
    class_name: str
    years: int  # 13, 15 or 18: the age reached
    reached_on: date
    country: str
    gender: Gender = Gender.UNKNOWN


def reconsent_letter(tr: Translator, data: ReconsentLetter) -> Letter:
    values = {"date": tr.format_date(data.reached_on)}
    paragraphs = [tr.gettext(CHANGES[data.years]) % values, tr.gettext(ASK)]
    if data.years == ADULT_YEARS and data.country == "SI":
        paragraphs.append(tr.gettext(PROHIBITION))
    after = [Paragraph("☐ " + tr.gettext(choice)) for choice in CHOICES]
    after.append(
        SignatureLines((tr.gettext(PLACE_AND_DATE), tr.gettext(SIGNATURE)), ("", data.student_name))
    )
    return Letter(
        data.recipient,
        tr.gettext(SUBJECTS[data.years]) % values,
        (
            (child_label(tr, data.gender, adult=data.years >= ADULT_YEARS), data.student_name),
            (tr.gettext("Date of birth"), tr.format_date(data.birth_date)),
            (tr.gettext("Class"), data.class_name or "—"),
        ),
        paragraphs,
        reader=data.student_name,
        reader_gender=data.gender,
        after=after,
    )
