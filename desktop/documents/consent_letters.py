"""Notices that contact stops: D7 after an adult student's prohibition (R48, R100) and D8 after
an authority's restriction (R15, R101). Data in, PDF bytes out, in the recipient's language.

Both are checked against desktop.domain.consent.NOTICE_REQUIREMENTS before anything is drawn:
they must name the guardian, the child, the date and the reason, and must NOT carry the child's
contact details or (D8) the details of the authority's measure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from desktop.documents.builders import Cancel, Progress, build_letter, build_letters
from desktop.documents.model import (
    DocumentInfo,
    KeyValueTable,
    LetterSpec,
    Paragraph,
    SchoolProfile,
)
from desktop.domain.consent import NOTICE_REQUIREMENTS
from desktop.domain.salutation import Gender, after_salutation, child_label, salutation
from desktop.i18n import N_, translator

D7_SUBJECT = N_("Personal data of your adult child are no longer passed to you")
D7_BODY = (
    N_(
        "Your child named above has full legal capacity. In a letter signed by hand, which the "
        "school received on %(received)s, your child has forbidden the school to pass their "
        "personal data to their parents or guardians."
    ),
    N_(
        "From %(received)s the school therefore no longer sends you notifications, letters or "
        "copies of data about your child, and your access to the child's data through the "
        "parents' portal ends. A subscription to the paid notification service for the child "
        "ends on %(ends)s; amounts already paid are not refunded automatically."
    ),
    N_(
        "The decision is your child's own. The school may not give you the child's contact "
        "details. If you have questions, please contact the school office."
    ),
)
D8_SUBJECT = N_("Change in the school's communication with you")
D8_BODY = (
    N_(
        "Because of a measure taken by a competent authority, the school must restrict its "
        "communication with you about the child named above."
    ),
    N_("This applies from %(start)s until %(end)s."),
    N_("This applies from %(start)s until further notice."),
    N_(
        "During this time the school sends you no notifications, letters or copies of data about "
        "the child, and your access to the child's data through the parents' portal is "
        "suspended. A subscription to the paid notification service is changed or ended "
        "accordingly."
    ),
    N_(
        "For the protection of everyone concerned, this notice does not give details of the "
        "measure. Please contact the authority that took it, or the school office."
    ),
)
# R101: the subscriber, when another person than the restricted guardian, is told too, with
# no more of the measure than that guardian's profile left the subscription.
D8_SUBSCRIBER_SUBJECT = N_("Change to your subscription for the child named above")
D8_SUBSCRIBER_BODY = (
    N_(
        "Because of a measure taken by a competent authority, the school must restrict its "
        "communication with %(guardian)s about the child named above from %(start)s. Their "
        "profile on your subscription to the paid notification service has therefore ended."
    ),
    N_("Your own subscription and your notifications continue unchanged."),
    D8_BODY[4],
)
CLOSING = N_("Kind regards,\n%(school)s")


@dataclass(frozen=True)
class ProhibitionNotice:
    """D7 for one guardian."""

    language: str
    recipient: tuple[str, ...]  # address lines
    guardian_name: str
    child_name: str
    received_on: date
    ends_on: date  # R48 (b): the subscription ends the day after the letter was received
    guardian_gender: Gender = Gender.UNKNOWN  # from the guardian's personal code, if held
    child_gender: Gender = Gender.UNKNOWN


@dataclass(frozen=True)
class RestrictionNotice:
    """D8 for the restricted guardian, or (subscriber=True, R101) for the subscriber."""

    language: str
    recipient: tuple[str, ...]
    guardian_name: str
    child_name: str
    valid_from: date
    valid_to: date | None  # None: permanent
    guardian_gender: Gender = Gender.UNKNOWN
    child_gender: Gender = Gender.UNKNOWN
    subscriber_name: str = ""  # set: the notice goes to the subscriber (R101)


def _opening(
    tr, name: str, gender: Gender, rows: tuple[tuple[str, str], ...], paragraphs: list[str]
) -> list:
    """Who the letter is about (a label before the name: no name is declined), the greeting,
    then the paragraphs; Slovenian goes on in small letters after the greeting's comma."""
    first, *rest = paragraphs
    return [
        KeyValueTable(rows),
        Paragraph(salutation(tr, name, gender)),
        Paragraph(after_salutation(tr.language, first)),
        *(Paragraph(text) for text in rest),
    ]


def _prohibition_spec(
    school: SchoolProfile, info: DocumentInfo, notice: ProhibitionNotice
) -> LetterSpec:
    tr = translator(notice.language)
    values = {
        "guardian": notice.guardian_name,
        "child": notice.child_name,
        "received": tr.format_date(notice.received_on),
        "ends": tr.format_date(notice.ends_on),
    }
    reasons = tr.gettext(D7_BODY[0]) % values
    NOTICE_REQUIREMENTS["D7"].check(
        {
            "guardian_name": notice.guardian_name,
            "child_name": notice.child_name,
            "termination_date": notice.ends_on,
            "reasons": reasons,
        }
    )
    body = _opening(
        tr,
        notice.guardian_name,
        notice.guardian_gender,
        (
            (child_label(tr, notice.child_gender, adult=True), notice.child_name),
            (tr.gettext("Letter received"), values["received"]),
            (tr.gettext("Subscription ends"), values["ends"]),
        ),
        [tr.gettext(text) % values for text in D7_BODY],
    )
    body.append(Paragraph(tr.gettext(CLOSING) % {"school": school.name}))
    return LetterSpec(
        school=school,
        info=info,
        language=notice.language,
        recipient=notice.recipient,
        subject=tr.gettext(D7_SUBJECT) % values,
        body=tuple(body),
    )


def build_prohibition_notices(
    school: SchoolProfile,
    items: Sequence[tuple[DocumentInfo, ProhibitionNotice]],
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> bytes:
    """D7 to each guardian, one letter each, in one PDF."""
    specs = [_prohibition_spec(school, info, notice) for info, notice in items]
    if len(specs) == 1:
        return build_letter(specs[0])
    return build_letters(specs, progress, cancel)


def build_restriction_notice(
    school: SchoolProfile, info: DocumentInfo, notice: RestrictionNotice
) -> bytes:
    tr = translator(notice.language)
    values = {
        "guardian": notice.guardian_name,
        "child": notice.child_name,
        "start": tr.format_date(notice.valid_from),
        "end": tr.format_date(notice.valid_to) if notice.valid_to else "",
    }
    change = tr.gettext(D8_BODY[3])
    NOTICE_REQUIREMENTS["D8"].check(
        {
            "guardian_name": notice.guardian_name,
            "child_name": notice.child_name,
            "change_or_termination": change,
            "effective_date": notice.valid_from,
        }
    )
    period = D8_BODY[1] if notice.valid_to else D8_BODY[2]
    texts = (D8_BODY[0], period, D8_BODY[3], D8_BODY[4])
    subject = D8_SUBJECT
    if notice.subscriber_name:
        texts, subject = D8_SUBSCRIBER_BODY, D8_SUBSCRIBER_SUBJECT
    body = _opening(
        tr,
        notice.subscriber_name or notice.guardian_name,
        Gender.UNKNOWN if notice.subscriber_name else notice.guardian_gender,
        ((child_label(tr, notice.child_gender), notice.child_name),),
        [tr.gettext(text) % values for text in texts],
    )
    body.append(Paragraph(tr.gettext(CLOSING) % {"school": school.name}))
    return build_letter(
        LetterSpec(
            school=school,
            info=info,
            language=notice.language,
            recipient=notice.recipient,
            subject=tr.gettext(subject) % values,
            body=tuple(body),
        )
    )
