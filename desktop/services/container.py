"""The composition of services for one database and one staff member.

The CLI and the GUI both start here. Cross-area cascades are wired in one place: when a
student leaves (R7, R13), every area that must react does so in the same transaction.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from desktop.db import access, schema
from desktop.db.engine import check_sqlite_file, damaged_database_message, is_damaged_sqlite
from desktop.db.server_errors import server_error
from desktop.db.session import Database
from desktop.domain.clock import Clock
from desktop.domain.clock import current as current_clock
from desktop.domain.clock import install as install_clock
from desktop.domain.errors import DatabaseError, PermissionDenied
from desktop.i18n import N_  # shown translated by the app's start-up message
from desktop.services.access_export import AccessExportService
from desktop.services.base import Actor
from desktop.services.billing import BillingService
from desktop.services.billing_daily import BillingDaily
from desktop.services.billing_letters import BillingLetterService
from desktop.services.breaches import BreachService
from desktop.services.card_sync import CardSyncService
from desktop.services.cards import CardService
from desktop.services.consent import ConsentService
from desktop.services.daily import DailyJob, DailyService
from desktop.services.documents import DocumentService
from desktop.services.export_sections import default_sections
from desktop.services.requests import RequestService
from desktop.services.retention import RetentionService, anonymise_student
from desktop.services.roster import RosterService
from desktop.services.roster_import import RosterImportService
from desktop.services.school import SchoolService
from desktop.services.staff import StaffService, resolve_actor
from desktop.services.terms import TermsService


class Services:
    def __init__(self, db: Database, actor: Actor, clock: Clock | None = None):
        """`clock`, when given, becomes the app's one clock (desktop.domain.clock): every
        service, daily job and stored timestamp reads the time from it."""
        if clock is not None:
            install_clock(clock)
        self.clock = current_clock()
        self.db = db
        self.actor = actor
        self.school = SchoolService(db, actor)
        self.staff = StaffService(db, actor)
        self.roster = RosterService(db, actor)
        self.roster_io = RosterImportService(db, actor, self.roster)
        self.cards = CardService(db, actor)
        self.card_sync = CardSyncService(db, actor)
        # R7/R24: leaving revokes physical cards, closes the virtual card, queues the close.
        self.roster.leaving_handlers.append(self.cards.on_student_leaving)
        self.documents = DocumentService(db, actor, self.roster)
        self.terms = TermsService(db, actor, self.documents)
        # R13/R15: leaving and an authority restriction end subscriptions in that transaction.
        self.billing = BillingService(db, actor, self.documents.recipient_checks)
        self.billing_letters = BillingLetterService(db, actor, self.billing, self.documents)
        self.roster.leaving_handlers.append(self.billing.on_student_leaving)
        self.roster.restriction_handlers.append(self.billing.on_restriction)
        # Consent (R15, R40, R48, R57–R70): the adult student's prohibition is a recipient
        # check for every document, ends subscriptions, and the export collects every area.
        self.consent = ConsentService(db, actor, self.roster, self.documents, self.terms)
        self.documents.recipient_checks.append(self.consent.check_adult_prohibition)
        self.consent.prohibition_handlers.append(
            lambda session, student_id, prohibition: self.billing.end_for_prohibition(
                session, student_id, prohibition.received_on
            )
        )
        self.terms.acceptance_lookup = self.consent.latest_acceptance
        self.access_export = AccessExportService(
            db, actor, self.roster, self.documents, self.consent
        )
        self.access_export.sections += default_sections()
        self.retention = RetentionService(db, actor)
        self.requests = RequestService(db, actor, eraser=anonymise_student)
        self.breaches = BreachService(db, actor)
        # Date-driven jobs, run once a day by `school-office daily` (and the app).
        billing_daily = BillingDaily()  # R80, R81, R91: the billing calendar
        self.daily = DailyService(
            db,
            actor,
            jobs=[
                DailyJob("card-expiry", self.cards.expire_due),  # R21
                DailyJob("trial-ends", billing_daily.trial_ends),
                DailyJob("billing-reminders", billing_daily.reminders),
                DailyJob("termination-proposals", billing_daily.termination_proposals),
                DailyJob("retention-proposals", self.retention.propose_due),  # R64, R67
                DailyJob("request-deadlines", self.requests.remind_due),  # R57, R58, R61
            ],
        )

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


NEEDS_OWNER_UPGRADE = N_(
    "This database needs an update that only its owner may apply. Ask your School Office "
    "administrator to run: school-office db upgrade, with the owner's login."
)


def open_database(url: str) -> Database:
    """Connect, refuse a newer schema, apply pending migrations. Raises DatabaseError."""
    check_sqlite_file(url)  # a 0-byte file is a damaged database, never a new one
    db = Database(url)
    try:
        db.check_connection()
        access.check_transport(db.engine)  # R120: another PC's server only over TLS
        try:
            applied = schema.upgrade(db.engine)
        except DBAPIError as exc:  # damage further in than the first page
            if isinstance(server_error(exc), PermissionDenied):
                raise DatabaseError(NEEDS_OWNER_UPGRADE) from exc
            if not is_damaged_sqlite(exc):
                raise
            raise DatabaseError(damaged_database_message(url)) from exc
        if applied:
            access.refresh_grants(db.engine)  # new tables get the provisioned roles' grants
    except BaseException:
        db.dispose()
        raise
    return db


def open_services(url: str, login: str | None = None) -> Services:
    db = open_database(url)
    try:
        return Services(db, resolve_actor(db, login))
    except BaseException:
        db.dispose()
        raise
