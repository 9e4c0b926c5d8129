"""Notices that contact stops: D7 after an adult student's prohibition (R48, R100) and D8 after
an authority's restriction (R15, R101). Data in, PDF bytes out, in the recipient's language.

Both are checked against desktop.domain.consent.notices.NOTICE_REQUIREMENTS before anything is
drawn: they must name the guardian, the child, the date and the reason, and must NOT carry the
child's contact details or (D8) the details of the authority's measure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from desktop.documents.builders import Cancel, Progress, build_letter, build_letters
from desktop.documents.letter_parts import Letter, LetterHeader, letter_spec
from desktop.documents.model import DocumentInfo, Letterhead, LetterSpec
from desktop.domain.consent.notices import NOTICE_REQUIREMENTS
from desktop.domain.salutation import Gender, child_label
from desktop.i18n import N_, Translator, translator

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


@dataclass(frozen=True)
class ProhibitionNotice(LetterHeader):
    """D7 for one guardian (`reader`, greeted by the gender of their personal code, if held)."""

    language: str
    child_name: str
    received_on: date
    ends_on: date  # R48 (b): the subscription ends the day after the letter was received
    child_gender: Gender = Gender.UNKNOWN


@dataclass(frozen=True)
class RestrictionNotice(LetterHeader):
    """D8 for the restricted guardian (`reader`), or (R101) for the subscriber (`reader`) about
    the restricted guardian named in `restricted_guardian`."""

    language: str
    child_name: str
    valid_from: date
    valid_to: date | None  # None: permanent
    child_gender: Gender = Gender.UNKNOWN
    restricted_guardian: str = ""  # set: the notice goes to the subscriber (R101)

    @property
    def guardian_name(self) -> str:
        """The guardian under the restriction."""
        return self.restricted_guardian or self.reader


def _notice_spec(
    school: Letterhead,
    info: DocumentInfo,
    tr: Translator,
    to: LetterHeader,
    subject: str,
    rows: tuple[tuple[str, str], ...],
    paragraphs: list[str],
) -> LetterSpec:
    """Who the letter is about (a label before the name: no name is declined), the greeting,
    the paragraphs and the school's closing."""
    letter = Letter(
        to.recipient, subject, rows, paragraphs, reader=to.reader, reader_gender=to.reader_gender
    )
    return letter_spec(school, info, tr, letter)


def _values(tr: Translator, guardian: str, child: str, **dates: date | None) -> dict[str, str]:
    """What the notices' texts fill in: the guardian, the child and the dates ("" for none)."""
    formatted = {key: tr.format_date(day) if day else "" for key, day in dates.items()}
    return {"guardian": guardian, "child": child, **formatted}


def _prohibition_spec(
    school: Letterhead, info: DocumentInfo, notice: ProhibitionNotice
) -> LetterSpec:
    tr = translator(notice.language)
    values = _values(
        tr, notice.reader, notice.child_name, received=notice.received_on, ends=notice.ends_on
    )
    reasons = tr.gettext(D7_BODY[0]) % values
    NOTICE_REQUIREMENTS["D7"].check(
        {
            "guardian_name": notice.reader,
            "child_name": notice.child_name,
            "termination_date": notice.ends_on,
            "reasons": reasons,
        }
    )
    rows = (
        (child_label(tr, notice.child_gender, adult=True), notice.child_name),
        (tr.gettext("Letter received"), values["received"]),
        (tr.gettext("Subscription ends"), values["ends"]),
    )
    texts = [tr.gettext(text) % values for text in D7_BODY]
    return _notice_spec(school, info, tr, notice, tr.gettext(D7_SUBJECT) % values, rows, texts)


def build_prohibition_notices(
    school: Letterhead,
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
    school: Letterhead, info: DocumentInfo, notice: RestrictionNotice
) -> bytes:
    tr = translator(notice.language)
    values = _values(
        tr, notice.guardian_name, notice.child_name, start=notice.valid_from, end=notice.valid_to
    )
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
    to: LetterHeader = notice
    if notice.restricted_guardian:
        texts, subject = D8_SUBSCRIBER_BODY, D8_SUBSCRIBER_SUBJECT
        # the subscriber's gender is not known: the neutral form of the greeting
        to = LetterHeader(notice.recipient, notice.reader)
    rows = ((child_label(tr, notice.child_gender), notice.child_name),)
    paragraphs = [tr.gettext(text) % values for text in texts]
    return build_letter(
        _notice_spec(school, info, tr, to, tr.gettext(subject) % values, rows, paragraphs)
    )
