"""Every kind of document the app produces, in one place (RULES.md §10, D1–D20).

`DocumentRequest.kind` is one of these keys. A test enumerates this registry and proves that
no kind addressed to a guardian reaches one whose contact is restricted (R15) or whose adult
child has forbidden data to the parents (R48). An area that adds a document adds one line here.

`stop_notice` marks the two notices whose whole purpose is to tell a guardian that contact
stops (D7 after an adult student's prohibition, D8 after an authority's restriction): they are
the only documents DocumentService.check_recipient lets through to such a guardian.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.i18n import N_


@dataclass(frozen=True)
class DocumentKind:
    key: str  # DocumentRequest.kind, GeneratedDocument.kind
    ref: str  # RULES.md §10 document number ("D2"), "" for internal lists
    title: str  # English, marked for translation
    to_guardian: bool  # sent to a guardian about a child: R15/R48 recipient checks apply
    stop_notice: bool = False  # D7/D8: tells the guardian that contact stops; always sent
    countries: tuple[str, ...] = ("EE", "SI")  # where it applies; elsewhere it is refused


SI, EE = ("SI",), ("EE",)


DOCUMENT_KINDS: tuple[DocumentKind, ...] = (
    # consent (issue 5)
    DocumentKind("access-export", "D2", N_("Copy of the personal data held about a child"), True),
    DocumentKind("access-code-slip", "D15", N_("Verification code for a data-access copy"), True),
    DocumentKind(
        "adult-prohibition-notice", "D7", N_("Notice of termination: adult student"), True, True, SI
    ),
    DocumentKind(
        "restriction-notice", "D8", N_("Notice of change: contact restriction"), True, True
    ),
    # documents (issue 3): a copy of the terms, to a guardian when printed for a student
    DocumentKind("terms", "D1", N_("Terms of use"), True),
    # billing (issue 6)
    DocumentKind("billing-cancellation-letter", "D3", N_("Cancellation letter (to sign)"), True),
    DocumentKind(
        "billing-unsubscribe-letter",
        "D4",
        N_("Unsubscribe one user (letter to sign)"),
        True,
    ),
    DocumentKind(
        "billing-cancellation-confirmation",
        "D5",
        N_("Confirmation of cancellation"),
        True,
    ),
    DocumentKind("billing-withdrawal-confirmation", "D10", N_("Confirmation of withdrawal"), True),
    DocumentKind("billing-invoice", "D11", N_("Invoice"), True),
    DocumentKind(
        "billing-renewal-invitation",
        "D11",
        N_("Invitation to pay for the next school year"),
        True,
    ),
    DocumentKind("billing-reminder-1", "D11", N_("Payment reminder"), True),
    DocumentKind("billing-reminder-2", "D11", N_("Second payment reminder"), True),
    DocumentKind("billing-termination-notice", "D12", N_("Termination for non-payment"), True),
    DocumentKind("billing-refund-statement", "D13", N_("Refund statement"), True),
    DocumentKind("billing-trial-invitation", "D14", N_("Free trial: invitation to order"), True),
    DocumentKind("billing-trial-end", "D14", N_("Free trial ended"), True),
    # letters and forms (issue 15)
    DocumentKind("terms-change-notice", "D9", N_("Notice of a change of terms"), True, False, SI),
    DocumentKind("offer-notice", "D11", N_("Offer for the next school year"), True, False, SI),
    DocumentKind("usage-instructions", "D19", N_("Instructions for signing in"), True, False, SI),
    DocumentKind(
        "adult-prohibition-form", "D6", N_("Prohibition letter (to sign)"), False, False, SI
    ),
    DocumentKind(
        "adult-prohibition-withdrawal", "D6", N_("Prohibition withdrawn"), False, False, SI
    ),
    DocumentKind("request-acknowledgement", "D16", N_("Request received"), True),
    DocumentKind("request-forwarded", "D16", N_("Request forwarded"), True),
    DocumentKind("request-response", "D16", N_("Answer to a request"), True),
    DocumentKind("breach-home-page", "D17", N_("Data breach: home-page notice"), False),
    DocumentKind("breach-letter", "D17", N_("Data breach: notice to a person concerned"), True),
    DocumentKind("breach-report", "D17", N_("Data breach: report to the authority"), False),
    DocumentKind("contact-report", "D20", N_("Lost phone or changed contact data"), True),
    DocumentKind(
        "moodle-institution-application",
        "D18",
        N_("Harno Moodle: institution application"),
        False,
        False,
        EE,
    ),
    DocumentKind(
        "moodle-account-deletion",
        "D18",
        N_("Harno Moodle: account deletion request"),
        False,
        False,
        EE,
    ),
    DocumentKind(
        "moodle-code-exception",
        "D18",
        N_("Harno Moodle: personal-code exception"),
        False,
        False,
        EE,
    ),
    DocumentKind(
        "moodle-longer-retention",
        "D18",
        N_("Harno Moodle: longer stay on a finished course"),
        False,
        False,
        EE,
    ),
    # today (issue 19): to a student reaching 13, 15 or 18 (R46–R48), handed over at school
    DocumentKind("re-consent-letter", "", N_("Re-consent letter"), False),
    # installer (issue 7): the print check of `school-office --smoke-test`
    DocumentKind("sample-letter", "", N_("Sample letter (print check)"), True),
)

_BY_KEY = {kind.key: kind for kind in DOCUMENT_KINDS}
if len(_BY_KEY) != len(DOCUMENT_KINDS):
    raise RuntimeError("a document kind is listed twice")


def document_kind(key: str) -> DocumentKind | None:
    return _BY_KEY.get(key)


def applies_in(key: str, country: str) -> bool:
    """Whether a kind is printed for a school of this country (EE prints no SI-only text)."""
    kind = _BY_KEY.get(key)
    return kind is None or country in kind.countries


def is_stop_notice(key: str) -> bool:
    kind = _BY_KEY.get(key)
    return kind is not None and kind.stop_notice
