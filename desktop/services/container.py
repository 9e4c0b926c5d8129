"""The composition of services for one database and one staff member.

The CLI and the GUI both start here. Cross-area cascades are wired in one place: when a
student leaves (R7, R13), every area that must react does so in the same transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from sqlalchemy.exc import DBAPIError

from desktop.db import schema
from desktop.db.access.provisioning import refresh_grants
from desktop.db.access.server import check_transport
from desktop.db.engine import check_sqlite_file, damaged_database_message, is_damaged_sqlite
from desktop.db.server_errors import server_error
from desktop.db.session import Database
from desktop.domain.clock import Clock
from desktop.domain.clock import current as current_clock
from desktop.domain.clock import install as install_clock
from desktop.domain.errors import DatabaseError, PermissionDenied
from desktop.i18n import N_  # shown translated by the app's start-up message
from desktop.services.base import Actor
from desktop.services.staff import resolve_actor

if TYPE_CHECKING:
    from desktop.services.access_export import AccessExportService
    from desktop.services.bank_statements import BankStatementService
    from desktop.services.billing import BillingService
    from desktop.services.billing_letters import BillingLetterService
    from desktop.services.breaches import BreachService
    from desktop.services.card_sync import CardSyncService
    from desktop.services.cards import CardService
    from desktop.services.consent import ConsentService
    from desktop.services.daily import DailyJobFn, DailyService
    from desktop.services.documents import DocumentService
    from desktop.services.letters import LetterService
    from desktop.services.requests import RequestService
    from desktop.services.retention import RetentionService
    from desktop.services.roster import RosterService
    from desktop.services.roster_import import RosterImportService
    from desktop.services.school import SchoolService
    from desktop.services.staff import StaffService
    from desktop.services.terms import TermsService
    from desktop.services.today import TodayService


T = TypeVar("T")


class _Area(Generic[T]):
    """A service built when first used, once: the first screen and a CLI command import and
    build only their own area. Under the container's lock, as a tab's worker thread and the GUI
    thread may ask at the same moment."""

    def __init__(self, build: Callable[[Services], T]):
        self.build = build
        self.__doc__ = build.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, services: Services | None, owner=None) -> T:
        if services is None:
            return self  # type: ignore[return-value]
        built = services.__dict__
        with services._lock:
            if self.name not in built:
                built[self.name] = self.build(services)
        return built[self.name]  # later: found in the instance first, without this call


class Services:
    """Every area's services, each built on first use (`_Area`).

    The cascades between areas are wired when the area that raises them is built, and they
    find the area that reacts through this container when they fire: a student leaving
    reaches cards and billing even if neither was used before in this process.
    """

    def __init__(self, db: Database, actor: Actor, clock: Clock | None = None):
        """`clock`, when given, becomes the app's one clock (desktop.domain.clock): every
        service, daily job and stored timestamp reads the time from it."""
        if clock is not None:
            install_clock(clock)
        self.clock = current_clock()
        self.db = db
        self.actor = actor
        self._lock = threading.RLock()

    @_Area
    def school(self) -> SchoolService:
        from desktop.services.school import SchoolService

        return SchoolService(self.db, self.actor)

    @_Area
    def staff(self) -> StaffService:
        from desktop.services.staff import StaffService

        return StaffService(self.db, self.actor)

    @_Area
    def roster(self) -> RosterService:
        from desktop.services.roster import RosterService

        roster = RosterService(self.db, self.actor)
        # R7/R24: leaving revokes physical cards, closes the virtual card, queues the close.
        roster.leaving_handlers.append(lambda *a, **k: self.cards.on_student_leaving(*a, **k))
        # R13/R15: leaving and an authority restriction end subscriptions in that transaction.
        roster.leaving_handlers.append(lambda *a, **k: self.billing.on_student_leaving(*a, **k))
        roster.restriction_handlers.append(lambda *a, **k: self.billing.on_restriction(*a, **k))
        return roster

    @_Area
    def roster_io(self) -> RosterImportService:
        from desktop.services.roster_import import RosterImportService

        return RosterImportService(self.db, self.actor, self.roster)

    @_Area
    def cards(self) -> CardService:
        from desktop.services.cards import CardService

        return CardService(self.db, self.actor)

    @_Area
    def card_sync(self) -> CardSyncService:
        from desktop.services.card_sync import CardSyncService

        return CardSyncService(self.db, self.actor)

    @_Area
    def documents(self) -> DocumentService:
        from desktop.services.documents import DocumentService

        documents = DocumentService(self.db, self.actor, self.roster)
        # R15/R48: the adult student's prohibition is a recipient check for every document.
        documents.recipient_checks.append(
            lambda *a, **k: self.consent.check_adult_prohibition(*a, **k)
        )
        # R48: once the adult student forbade data to the parents, letters go to the student.
        documents.student_addressee_checks.append(
            lambda *a, **k: self.letters.adult_addressee(*a, **k)
        )
        return documents

    @_Area
    def letters(self) -> LetterService:
        """Letters and forms D6, D9, D11, D16–D20 (issue 15)."""
        from desktop.services.letters import LetterService

        return LetterService(self.db, self.actor, self.documents)

    @_Area
    def terms(self) -> TermsService:
        from desktop.services.terms import TermsService

        terms = TermsService(self.db, self.actor, self.documents)
        terms.acceptance_lookup = lambda *a, **k: self.consent.latest_acceptance(*a, **k)
        return terms

    @_Area
    def billing(self) -> BillingService:
        from desktop.services.billing import BillingService

        return BillingService(self.db, self.actor, self.documents.recipient_checks)

    @_Area
    def billing_letters(self) -> BillingLetterService:
        from desktop.services.billing_letters import BillingLetterService

        return BillingLetterService(self.db, self.actor, self.billing, self.documents)

    @_Area
    def bank_statements(self) -> BankStatementService:
        """Payments from camt.053/.054 bank statements (R77, R79, R122)."""
        from desktop.services.bank_statements import BankStatementService

        return BankStatementService(self.db, self.actor)

    @_Area
    def consent(self) -> ConsentService:
        """Consent (R15, R40, R48, R57–R70): a prohibition ends subscriptions too."""
        from desktop.services.consent import ConsentService

        consent = ConsentService(self.db, self.actor, self.roster, self.documents, self.terms)
        consent.prohibition_handlers.append(
            lambda session, student_id, prohibition: self.billing.end_for_prohibition(
                session, student_id, prohibition.received_on
            )
        )
        return consent

    @_Area
    def access_export(self) -> AccessExportService:
        """The export collects every area (desktop.services.export_sections)."""
        from desktop.services.access_export import AccessExportService
        from desktop.services.export_sections import default_sections

        export = AccessExportService(self.db, self.actor, self.roster, self.documents, self.consent)
        export.sections += default_sections()
        return export

    @_Area
    def retention(self) -> RetentionService:
        from desktop.services.retention import RetentionService

        return RetentionService(self.db, self.actor)

    @_Area
    def requests(self) -> RequestService:
        from desktop.services.requests import RequestService
        from desktop.services.retention_sources import anonymise_student

        return RequestService(self.db, self.actor, eraser=anonymise_student)

    @_Area
    def breaches(self) -> BreachService:
        from desktop.services.breaches import BreachService

        return BreachService(self.db, self.actor)

    @_Area
    def today(self) -> TodayService:
        """The Today list (issue 19): reads the other areas, each only if the roles allow."""
        from desktop.services.today import TodayService

        return TodayService(self)

    @_Area
    def daily(self) -> DailyService:
        """Date-driven jobs, run once a day by `school-office daily` (and the app). Each job
        reaches its area only when it runs: a day already done (the app asks at every start)
        imports none of them."""
        from desktop.services.daily import DailyJob, DailyService

        def area_job(area: str, method: str) -> DailyJobFn:
            return lambda session, today: getattr(getattr(self, area), method)(session, today)

        def billing_job(method: str) -> DailyJobFn:  # R80, R81, R91: the billing calendar
            def run(session, today):
                from desktop.services.billing_daily import BillingDaily

                return getattr(BillingDaily(), method)(session, today)

            return run

        return DailyService(
            self.db,
            self.actor,
            jobs=[
                DailyJob("card-expiry", area_job("cards", "expire_due")),  # R21
                # first: no reminder for an invoice of a subscription that has ended
                DailyJob("settle-endings", billing_job("settle_endings")),  # R76, R121
                DailyJob("trial-ends", billing_job("trial_ends")),
                DailyJob("billing-reminders", billing_job("reminders")),
                DailyJob("termination-proposals", billing_job("termination_proposals")),
                DailyJob("retention-proposals", area_job("retention", "propose_due")),  # R64, R67
                DailyJob("request-deadlines", area_job("requests", "remind_due")),  # R57, R58, R61
                DailyJob("addressee-changes", area_job("letters", "addressee_changes")),  # R48
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
        check_transport(db.engine)  # R120: another PC's server only over TLS
        try:
            applied = schema.upgrade(db.engine)
        except DBAPIError as exc:  # damage further in than the first page
            if isinstance(server_error(exc), PermissionDenied):
                raise DatabaseError(NEEDS_OWNER_UPGRADE) from exc
            if not is_damaged_sqlite(exc):
                raise
            raise DatabaseError(damaged_database_message(url)) from exc
        if applied:
            refresh_grants(db.engine)  # new tables get the provisioned roles' grants
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
