"""The printed labels of stored values (enums, codes, audit reasons), shared by the sections
and by the fields of a recorded change.
"""

from __future__ import annotations

from desktop.documents.kinds import DOCUMENT_KINDS
from desktop.i18n import N_

STATUS_LABELS = {"ENROLLED": N_("Enrolled"), "LEFT": N_("Left"), "GRADUATED": N_("Graduated")}
RELATION_LABELS = {
    "MOTHER": N_("Mother"),
    "FATHER": N_("Father"),
    "GUARDIAN": N_("Legal guardian"),
    "OTHER": N_("Other"),
}
LANGUAGE_LABELS = {"et": N_("Estonian"), "sl": N_("Slovenian"), "en": N_("English")}
CARD_KIND_LABELS = {"PHYSICAL": N_("Physical card"), "VIRTUAL": N_("Virtual card")}
CARD_STATUS_LABELS = {
    "ACTIVE": N_("Active"),
    "LOST": N_("Lost"),
    "REPLACED": N_("Replaced"),
    "EXPIRED": N_("Expired"),
    "REVOKED": N_("Revoked"),
    "SUSPENDED": N_("Suspended"),
    "CLOSED": N_("Closed"),
}
DECISION_LABELS = {
    "ACCEPTED": N_("Accepted"),
    "DECLINED": N_("Declined"),
    "WITHDRAWN": N_("Withdrawn"),
}
CHANNEL_LABELS = {
    "PAPER_AT_SCHOOL": N_("On paper at the school"),
    "PORTAL": N_("Parents' portal"),
    "LETTER": N_("Letter"),
    "ELECTRONIC_REGISTRATION": N_("Electronic registration"),
}
BASIS_LABELS = {
    "SELF": N_("Own decision"),
    "LEGAL_REPRESENTATIVE": N_("By a legal representative"),
    "INSTITUTION_ADMIN": N_("By the institution's administrator"),
}
PERSON_LABELS = {"STUDENT": N_("The student"), "GUARDIAN": N_("You")}
REQUEST_KIND_LABELS = {
    "ACCESS": N_("Access"),
    "RECTIFICATION": N_("Rectification"),
    "DELETION": N_("Erasure"),
    "RESTRICTION": N_("Restriction of use"),
    "OBJECTION": N_("Objection"),
    "PORTABILITY": N_("Data portability"),
}
REQUEST_STATUS_LABELS = {
    "OPEN": N_("Open"),
    "EXTENDED": N_("Extended"),
    "DONE": N_("Answered"),
    "REFUSED": N_("Refused"),
}
CODE_KIND_LABELS = {"EXPORT": N_("Data-access copy"), "SECURITY": N_("Portal security code")}
ACTION_LABELS = {
    "insert": N_("Created"),
    "update": N_("Changed"),
    "delete": N_("Deleted"),
    "export": N_("Copy of data given"),
    "issue-code": N_("Code issued"),
    "anonymise": N_("Anonymised"),
    "print": N_("Printed"),
}
ENTITY_LABELS = {
    "student": N_("Student record"),
    "student_guardian": N_("Guardian link"),
    "contact_restriction": N_("Contact restriction"),
    "card": N_("Student card"),
    "student_photo": N_("Card photo"),
    "terms_acceptance": N_("Terms decision"),
    "access_code": N_("Verification code"),
    "data_request": N_("Data protection request"),
    "deletion_request": N_("Deletion request"),
    "adult_prohibition": N_("Prohibition by the adult student"),
    "legal_hold": N_("Legal hold"),
    "retention_proposal": N_("Retention decision"),
    "breach_affected": N_("Data breach"),
    "subscription": N_("Subscription"),
    "subscription_profile": N_("Subscription profile"),
    "trial": N_("Trial"),
    "invoice": N_("Invoice"),
    "payment": N_("Payment"),
    "refund": N_("Refund"),
    "billing_notice": N_("Billing notice"),
    "billing_proposal": N_("Billing proposal"),
    "cancellation_letter": N_("Cancellation letter"),
    "generated_document": N_("Document produced"),
    "terms_change_notice": N_("Notice of a change of terms"),
}
KIND_LABELS = {kind.key: kind.title for kind in DOCUMENT_KINDS}
RESTRICTION_LABELS = {
    "PROHIBITION": N_("Prohibition of contact"),
    "RESTRICTION": N_("Restriction of contact"),
}
TIER_LABELS = {"MINIMALNI": "mojAsistent MINIMALNI", "POPOLNI": "mojAsistent POPOLNI"}
SUBSCRIPTION_STATE_LABELS = {
    "TRIAL": N_("Trial"),
    "ORDERED": N_("Ordered, not paid"),
    "ACTIVE": N_("Active"),
    "RENEWAL_DUE": N_("Renewal due"),
    "MINIMALNI": N_("Free tier (after trial)"),
    "CANCELLED": N_("Cancelled"),
    "ENDED_LEFT_SCHOOL": N_("Ended: left the school"),
    "ENDED_ADULT_PROHIBITION": N_("Ended: adult student's prohibition"),
    "ENDED_AUTHORITY_RESTRICTION": N_("Ended: authority restriction"),
    "ENDED_SCHOOL_WITHDREW": N_("Ended: school withdrew"),
    "WITHDRAWN_TERMS_CHANGE": N_("Withdrawn after a terms change"),
    "TERMINATED_NONPAYMENT": N_("Terminated: not paid"),
    "LAPSED_UNPAID": N_("Lapsed: never paid"),
    "DISABLED_BREACH": N_("Disabled: breach of terms"),
}
INVOICE_KIND_LABELS = {"ANNUAL": N_("Invoice"), "FEE": N_("Reminder fee")}
PAYMENT_METHOD_LABELS = {
    "TRANSFER": N_("Bank transfer"),
    "CARD": N_("Card"),
    "FLIK": N_("Flik"),
}
REFUND_BASIS_LABELS = {
    "OUTAGE": N_("Outage of more than 30 days"),
    "SCHOOL_WITHDREW": N_("School withdrew from POPOLNI"),
    "TERMS_WITHDRAWAL": N_("Withdrawal after a terms change"),
    "DISCRETIONARY": N_("Discretionary, after another ending"),
    "OVERPAYMENT": N_("Overpayment"),
}
LETTER_KIND_LABELS = {
    "CANCEL_ALL": N_("Cancellation"),
    "UNSUBSCRIBE_ONE": N_("Unsubscription of one user"),
    "TERMS_WITHDRAWAL": N_("Withdrawal after a terms change"),
}
LETTER_CHANNEL_LABELS = {
    "LETTER_TO_SCHOOL": N_("Signed letter to the school"),
    "LETTER_TO_PROVIDER": N_("Signed letter to eŠola"),
    "SCANNED_EMAIL": N_("Scanned signed letter by e-mail"),
    "SIGNED_EMAIL": N_("Digitally signed e-mail"),
    "PORTAL_OR_SCHOOL": N_("Portal or in person at school"),
}
ORDERED_BY_LABELS = {"GUARDIAN": N_("Parent or guardian"), "STUDENT": N_("The student")}
ORDER_CHANNEL_LABELS = {
    "ELECTRONIC": N_("Electronic registration"),
    "PORTAL": N_("Parents' portal"),
    "AT_SCHOOL": N_("At the school"),
    "LETTER": N_("Letter"),
}
COMMUNICATION_LABELS = {
    "SMS": N_("SMS"),
    "EMAIL": N_("E-mail"),
    "SMS_AND_EMAIL": N_("SMS and e-mail"),
}
# Why a change was recorded, as the services note it (in code, English): what the reader sees.
AUDIT_REASON_LABELS = (
    ("code issued", N_("Code issued")),
    ("EXPORT code", N_("Code issued")),
    ("SECURITY code", N_("Code issued")),
    ("code attempt", N_("Code entered")),
    ("copy of the data", N_("Copy of data given")),
    ("order", N_("Order")),
    ("payment", N_("Payment")),
    ("letter", N_("Letter received")),
    ("confirm proposal", N_("Confirmed by the school")),
    ("daily", N_("Scheduled check")),
    ("trial", N_("Free trial")),
    ("reminder fee", N_("Reminder fee")),
    ("adult prohibition", N_("Prohibition by the adult student")),
    ("notices printed", N_("Letters printed")),
    ("demo school", N_("Demo data")),
)
