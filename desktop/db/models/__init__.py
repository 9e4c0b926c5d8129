"""Every table, one module per area. Importing this package registers none of them: a model's
module is imported when the model is first asked for (`from desktop.db.models import Student`),
so the start-up and a CLI command load only the areas they use. `load_all()` registers every
table on Base.metadata (migrations, tests that truncate every table)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.db.models.access import DbAccess, LoginEvent
    from desktop.db.models.bank import BankEntry
    from desktop.db.models.billing import (
        BillingNotice,
        BillingPrice,
        BillingProposal,
        BillingSettings,
        BillingYear,
        CancellationLetter,
        Invoice,
        Payment,
        Refund,
        Subscription,
        SubscriptionProfile,
        Trial,
        TrialOffer,
    )
    from desktop.db.models.cards import (
        Card,
        CardSettings,
        ProviderOutbox,
        ProviderSyncStatus,
        StudentPhoto,
    )
    from desktop.db.models.changes import ChangeCounter
    from desktop.db.models.consent import (
        AccessCode,
        AdultProhibitionRow,
        BreachAffected,
        BreachIncident,
        BreachNoticeSent,
        ConsentSettings,
        DataRequest,
        DeletionRequestRow,
        LegalHold,
        RetentionProposalRow,
        TermsAcceptance,
    )
    from desktop.db.models.core import AuditEntry, DailyRun, School, StaffRole, StaffUser
    from desktop.db.models.documents import GeneratedDocument
    from desktop.db.models.letters import ContactReport, LetterSettings, TermsChangeNotice
    from desktop.db.models.roster import ContactRestriction, Guardian, Student, StudentGuardian
    from desktop.db.models.terms import TermsDocument, TermsVersion

# model → its area's module (a test checks this against the modules themselves)
_AREAS = {
    "access": ("DbAccess", "LoginEvent"),
    "bank": ("BankEntry",),
    "billing": (
        "BillingNotice", "BillingPrice", "BillingProposal", "BillingSettings", "BillingYear",
        "CancellationLetter", "Invoice", "Payment", "Refund", "Subscription",
        "SubscriptionProfile", "Trial", "TrialOffer",
    ),
    "cards": ("Card", "CardSettings", "ProviderOutbox", "ProviderSyncStatus", "StudentPhoto"),
    "changes": ("ChangeCounter",),
    "consent": (
        "AccessCode", "AdultProhibitionRow", "BreachAffected", "BreachIncident",
        "BreachNoticeSent", "ConsentSettings", "DataRequest", "DeletionRequestRow", "LegalHold",
        "RetentionProposalRow", "TermsAcceptance",
    ),
    "core": ("AuditEntry", "DailyRun", "School", "StaffRole", "StaffUser"),
    "documents": ("GeneratedDocument",),
    "letters": ("ContactReport", "LetterSettings", "TermsChangeNotice"),
    "roster": ("ContactRestriction", "Guardian", "Student", "StudentGuardian"),
    "terms": ("TermsDocument", "TermsVersion"),
}  # fmt: skip
_MODULE_OF = {name: area for area, names in _AREAS.items() for name in names}


def __getattr__(name: str):
    area = _MODULE_OF.get(name)
    if area is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{area}")
    for model in _AREAS[area]:  # the area's other models too: one import, one lookup
        globals()[model] = getattr(module, model)
    return globals()[name]


def load_all() -> None:
    """Register every table on Base.metadata."""
    for area in _AREAS:
        importlib.import_module(f"{__name__}.{area}")


def load_all_configured() -> None:
    """Every model registered and its mapper configured: done before a second thread uses the
    ORM. SQLAlchemy configures new mappers when any object is made; were a model module then
    half-imported by another thread, its relationships would fail every mapper for good."""
    load_all()
    from sqlalchemy.orm import configure_mappers

    configure_mappers()


__all__ = [
    "AccessCode",
    "AdultProhibitionRow",
    "AuditEntry",
    "BankEntry",
    "BillingNotice",
    "BillingPrice",
    "BillingProposal",
    "BillingSettings",
    "BillingYear",
    "BreachAffected",
    "BreachIncident",
    "BreachNoticeSent",
    "CancellationLetter",
    "Card",
    "CardSettings",
    "ChangeCounter",
    "ConsentSettings",
    "ContactReport",
    "ContactRestriction",
    "DailyRun",
    "DataRequest",
    "DbAccess",
    "DeletionRequestRow",
    "GeneratedDocument",
    "Guardian",
    "Invoice",
    "LegalHold",
    "LetterSettings",
    "LoginEvent",
    "Payment",
    "ProviderOutbox",
    "ProviderSyncStatus",
    "Refund",
    "RetentionProposalRow",
    "School",
    "StaffRole",
    "StaffUser",
    "Student",
    "StudentGuardian",
    "StudentPhoto",
    "Subscription",
    "SubscriptionProfile",
    "TermsAcceptance",
    "TermsChangeNotice",
    "TermsDocument",
    "TermsVersion",
    "Trial",
    "TrialOffer",
]
