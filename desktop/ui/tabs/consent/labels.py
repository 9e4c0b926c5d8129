"""What the Consent tab calls each state and choice (marked for translation; `_` when shown)."""

from __future__ import annotations

from desktop.domain.consent.breaches import BreachNotice, NoticeState
from desktop.domain.consent.codes import CodeKind, CodeState
from desktop.domain.consent.deletion import DeletionState
from desktop.domain.consent.requests import DeadlineState, RequestKind
from desktop.domain.consent.retention import DataCategory, RetentionAction
from desktop.domain.consent.terms import AcceptanceDecision, Channel, ConsentStatus, OnBehalfBasis
from desktop.domain.consent_workflow import RequestStatus
from desktop.ui.text import N_

STATUSES = {
    ConsentStatus.ACCEPTED: N_("Accepted"),
    ConsentStatus.NEEDS_REACCEPTANCE: N_("Must re-accept"),
    ConsentStatus.DECLINED: N_("Declined"),
    ConsentStatus.WITHDRAWN: N_("Withdrawn"),
    ConsentStatus.NOT_ANSWERED: N_("Not answered"),
}
STATUS_COLOURS = {
    ConsentStatus.ACCEPTED: "#1e5e2e",
    ConsentStatus.NEEDS_REACCEPTANCE: "#8a5a00",
    ConsentStatus.DECLINED: "#b3261e",
    ConsentStatus.WITHDRAWN: "#b3261e",
    ConsentStatus.NOT_ANSWERED: "#555555",
}
DECISIONS = {
    AcceptanceDecision.ACCEPTED: N_("Accepted"),
    AcceptanceDecision.DECLINED: N_("Declined"),
    AcceptanceDecision.WITHDRAWN: N_("Withdrawn"),
}
CHANNELS = {
    Channel.PAPER_AT_SCHOOL: N_("On paper at the school"),
    Channel.PORTAL: N_("Parents' portal"),
    Channel.LETTER: N_("Letter"),
    Channel.ELECTRONIC_REGISTRATION: N_("Electronic registration"),
}
BASIS = {
    OnBehalfBasis.SELF: N_("By the student themself"),
    OnBehalfBasis.LEGAL_REPRESENTATIVE: N_("By a parent or guardian for the child"),
    OnBehalfBasis.INSTITUTION_ADMIN: N_("By the institution's administrator"),
}
REQUEST_KINDS = {
    RequestKind.ACCESS: N_("Access to data"),
    RequestKind.RECTIFICATION: N_("Correction"),
    RequestKind.DELETION: N_("Erasure"),
    RequestKind.RESTRICTION: N_("Restriction of use"),
    RequestKind.OBJECTION: N_("Objection"),
    RequestKind.PORTABILITY: N_("Data portability"),
}
REQUEST_STATUSES = {
    RequestStatus.OPEN: N_("Open"),
    RequestStatus.EXTENDED: N_("Extended"),
    RequestStatus.DONE: N_("Answered"),
    RequestStatus.REFUSED: N_("Refused"),
}
DEADLINES = {
    DeadlineState.PENDING: N_("In time"),
    DeadlineState.OVERDUE: N_("Overdue"),
    DeadlineState.DONE_IN_TIME: N_("Answered in time"),
    DeadlineState.DONE_LATE: N_("Answered late"),
}
DELETION_STATES = {
    DeletionState.REQUESTED: N_("Received"),
    DeletionState.BLOCKED_ACTIVE_STUDY: N_("Waiting: still studying"),
    DeletionState.SCHEDULED: N_("To be deleted"),
    DeletionState.DELETED: N_("Deleted"),
}
CATEGORIES = {
    DataCategory.SCHOOL: N_("School data"),
    DataCategory.BILLING: N_("Billing data"),
    DataCategory.CALENDAR: N_("Calendar"),
    DataCategory.LOGIN_AUDIT: N_("Login records"),
    DataCategory.CARDS: N_("Student cards"),
    DataCategory.COURSE_MEMBERSHIP: N_("Course membership"),
    DataCategory.UNCONFIRMED_ACCOUNT: N_("Unconfirmed accounts"),
}
ACTIONS = {RetentionAction.DELETE: N_("Delete"), RetentionAction.ANONYMISE: N_("Anonymise")}
CODE_KINDS = {
    CodeKind.EXPORT: N_("A copy of the child's data (6 digits)"),
    CodeKind.SECURITY: N_("First access to the parents' portal"),
}
CODE_STATES = {
    CodeState.VALID: N_("Valid"),
    CodeState.EXPIRED: N_("Expired"),
    CodeState.USED: N_("Used"),
    CodeState.LOCKED: N_("Locked"),
    CodeState.REVOKED: N_("Replaced"),
}
NOTICES = {
    BreachNotice.HOME_PAGE: N_("Notice on the home page"),
    BreachNotice.AFFECTED_PERSONS: N_("E-mail to the persons concerned"),
    BreachNotice.RIA: N_("Report to RIA"),
    BreachNotice.AKI: N_("Report to AKI"),
    BreachNotice.INFORMATION_COMMISSIONER: N_("Report to the Information Commissioner"),
}
NOTICE_STATES = {
    NoticeState.PENDING: N_("due"),
    NoticeState.OVERDUE: N_("OVERDUE"),
    NoticeState.SENT_IN_TIME: N_("sent"),
    NoticeState.SENT_LATE: N_("sent late"),
}
