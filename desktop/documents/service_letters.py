"""SI service letters: D11 the offer notice before the school year (R73, R113), in the
provider's name, and D19 the usage instructions sent for the school when an order is submitted
(R113, R117): how to sign in, and the single-step or two-step (SMS code, QR code) login.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.documents.letter_parts import Letter, LetterHeader
from desktop.documents.model import Boxed
from desktop.domain.salutation import Gender, child_label
from desktop.i18n import N_, Translator

OFFER_SUBJECT = N_("Offer: the paid notification service for the school year %(year)s")
OFFER_TEXTS = (
    N_(
        "For the school year %(year)s you can order the paid notification service for the "
        "student named above. It adds automatic notifications by text message or e-mail about "
        "grades, absences, announced knowledge checks and assessments, praise and needed "
        "improvements, with access through the parents' portal and the mobile app."
    ),
    N_(
        "The annual cost of communication is %(price)s including VAT for the whole school year. "
        "You pay it directly to %(issuer)s, not to the school: by bank transfer with the "
        "reference on the invoice, by card or with Flik."
    ),
    N_("You order electronically in the parents' portal; the order is yours to make."),
)
FREE_ALTERNATIVE = N_(
    "The service is not compulsory. All the information it sends is also available free of "
    "charge in other ways: in lessons, at consultation hours and parents' meetings, by e-mail, "
    "by phone and during office hours."
)
FREE_TITLE = N_("Free alternative")

USAGE_SUBJECT = N_("How to sign in to the parents' portal and the mobile app")
USAGE_TEXTS = (
    N_(
        "Thank you for your order. On behalf of the school we send you the instructions for "
        "using the service."
    ),
    N_(
        "Sign in with your user name; your first password is sent to you separately. If you "
        "forget your password, use the link for a forgotten password on the sign-in page."
    ),
    N_(
        "You may sign in in one step (user name and password) or, if you choose, in two steps: "
        "with a code sent to you by text message, or with a QR code scanned by the dedicated "
        "mobile app."
    ),
    N_(
        "Your account is personal: do not give your sign-in data to anyone. Report a lost "
        "phone or a changed mobile number or e-mail address immediately to the school or to "
        "starsi@easistent.com."
    ),
    N_(
        "Please do not reply to the automatic text messages; send questions to "
        "starsi@easistent.com."
    ),
)


@dataclass(frozen=True)
class OfferNotice(LetterHeader):  # to a guardian
    child_name: str
    school_year: str
    price: str  # formatted, gross
    issuer: str
    child_gender: Gender = Gender.UNKNOWN


def offer_letter(tr: Translator, notice: OfferNotice) -> Letter:
    values = {"year": notice.school_year, "price": notice.price, "issuer": notice.issuer}
    return Letter(
        notice.recipient,
        tr.gettext(OFFER_SUBJECT) % values,
        (
            (child_label(tr, notice.child_gender), notice.child_name),
            (tr.gettext("School year"), notice.school_year),
            (tr.gettext("Annual amount"), notice.price),
        ),
        [tr.gettext(t) % values for t in OFFER_TEXTS],
        reader=notice.reader,
        reader_gender=notice.reader_gender,
        after=(Boxed(tr.gettext(FREE_ALTERNATIVE), tr.gettext(FREE_TITLE)),),
    )


@dataclass(frozen=True)
class UsageInstructions(LetterHeader):  # to a user on the order
    child_name: str
    username: str
    school_name: str
    child_gender: Gender = Gender.UNKNOWN


def usage_letter(tr: Translator, data: UsageInstructions) -> Letter:
    return Letter(
        data.recipient,
        tr.gettext(USAGE_SUBJECT),
        (
            (child_label(tr, data.child_gender), data.child_name),
            (tr.gettext("School"), data.school_name),
            (tr.gettext("User name"), data.username),
        ),
        [tr.gettext(t) for t in USAGE_TEXTS],
        reader=data.reader,
        reader_gender=data.reader_gender,
    )
