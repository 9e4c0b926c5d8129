"""D9: the notice of a change of terms to a subscriber (R50, R51), in the provider's name.

It names what changed (the summary the office wrote with the new version), the publication
date, the date the new terms take effect (published + 15 days) and the right to withdraw within
8 days of the notice being sent, with a proportional refund. The deadline is computed from the
day the notice is sent, which the service records for each subscriber.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.documents.letter_parts import Letter, LetterHeader
from desktop.documents.model import Boxed
from desktop.domain.salutation import Gender, child_label
from desktop.i18n import N_, Translator

SUBJECT = N_("Notice of a change of the general terms")
TEXTS = (
    N_(
        "We inform you that the general terms of the paid notification service you ordered for "
        "the student named above have been changed. The new version %(version)s was published "
        "on %(published)s and takes effect on %(effective)s, the 15th day after publication."
    ),
    N_(
        "If you do not agree with the changed terms, you may withdraw from the subscription "
        "within 8 days of this notice being sent, that is by %(deadline)s at the latest. The "
        "part of the amount paid that falls on the rest of the school year is then refunded "
        "to you in proportion."
    ),
    N_(
        "If you do not withdraw by then, the changed terms are deemed accepted, and you can no "
        "longer withdraw or claim a refund on this ground."
    ),
    N_(
        "To withdraw, send a signed letter to the school or a signed e-mail to the provider. "
        "The full text of the new terms is available at the school and on the provider's "
        "website; we will gladly print it for you."
    ),
)
WHAT_CHANGES = N_("What changes")
NO_SUMMARY = N_("The provider has not given a summary of the changes; see the full text.")


@dataclass(frozen=True)
class TermsChangeNotice(LetterHeader):  # to the subscriber
    child_name: str
    terms_title: str
    version_label: str
    summary: str  # what changed, in the reader's language if written, else any
    published_on: date
    effective_from: date
    sent_on: date
    deadline: date  # R51: sent_on + 8 days
    child_gender: Gender = Gender.UNKNOWN


def terms_change_letter(tr: Translator, notice: TermsChangeNotice) -> Letter:
    values = {
        "version": notice.version_label,
        "published": tr.format_date(notice.published_on),
        "effective": tr.format_date(notice.effective_from),
        "deadline": tr.format_date(notice.deadline),
    }
    rows = (
        (child_label(tr, notice.child_gender), notice.child_name),
        (tr.gettext("Terms"), f"{notice.terms_title}, {notice.version_label}"),
        (tr.gettext("Published"), values["published"]),
        (tr.gettext("In force from"), values["effective"]),
        (tr.gettext("Notice sent on"), tr.format_date(notice.sent_on)),
        (tr.gettext("Withdrawal possible until"), values["deadline"]),
    )
    summary = notice.summary.strip() or tr.gettext(NO_SUMMARY)
    first, *rest = [tr.gettext(t) % values for t in TEXTS]
    return Letter(
        notice.recipient,
        tr.gettext(SUBJECT),
        rows,
        [first],
        reader=notice.reader,
        reader_gender=notice.reader_gender,
        after=(Boxed(summary, tr.gettext(WHAT_CHANGES)), *_paragraphs(rest)),
    )


def _paragraphs(texts):
    from desktop.documents.model import Paragraph

    return tuple(Paragraph(t) for t in texts)
