"""The daily run: every date-driven job, exactly once per school day.

Each job does its work inside the transaction that records it in `daily_run`, so a job either
ran completely for a day and is recorded, or did nothing. Running `daily` twice for the same
day changes nothing the second time, and two PCs running it at once cannot both do a job.
Areas add their jobs in desktop.services.container (card expiry, trial ends, reminders, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.db.models import DailyRun
from desktop.domain.errors import ServerRefused
from desktop.domain.roles import Permission
from desktop.i18n import N_  # a job's summary is shown translated (desktop.ui.text.stored_text)
from desktop.services.base import Service
from desktop.services.school import SchoolService

# One key for every daily job: two `daily` runs on PostgreSQL take turns, job by job; the second
# then finds each job recorded and reports "already ran" instead of tripping over the first's
# changes (a stale row version). On SQLite, BEGIN IMMEDIATE already makes writers take turns.
DAILY_LOCK_KEY = 0x5C0_0D41  # any constant bigint; only School Office uses advisory locks here
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")

# Does its work in the given transaction and says what it did, in one line.
DailyJobFn = Callable[[Session, date], str]


@dataclass(frozen=True)
class DailyJob:
    name: str
    run: DailyJobFn


@dataclass(frozen=True)
class DailyResult:
    job: str
    day: date
    summary: str
    already_ran: bool = False
    left: bool = False  # refused for this login's roles: still due, for a colleague

    def __str__(self) -> str:
        if self.already_ran:
            return f"{self.job}: already ran for {self.day.isoformat()} ({self.summary})"
        return f"{self.job}: {self.summary}"


@dataclass(frozen=True)
class DailyDone:
    """A job recorded as run for the day (by this PC or another)."""

    job: str
    ran_at: datetime
    actor: str
    summary: str


@dataclass(frozen=True)
class DailyStatus:
    """Where a day's jobs stand: which are still due, and what the recorded ones did."""

    day: date
    due: tuple[str, ...]
    done: tuple[DailyDone, ...]


class DailyService(Service):
    def __init__(self, db, actor, jobs: list[DailyJob] | None = None):
        super().__init__(db, actor)
        self.jobs: list[DailyJob] = list(jobs or [])

    def _today(self) -> date:
        return SchoolService(self.db, self.actor).require_school().today()

    def status(self, today: date | None = None) -> DailyStatus:
        """Which jobs have not run for the day yet, without running any: one read of
        `daily_run` (the app asks at every start; every role may read it)."""
        today = today or self._today()
        with self.db.read() as session:
            rows = session.execute(
                select(DailyRun.job, DailyRun.ran_at, DailyRun.actor, DailyRun.summary)
                .where(DailyRun.day == today)
                .order_by(DailyRun.ran_at, DailyRun.id)
            ).all()
        done = tuple(DailyDone(*row) for row in rows)
        recorded = {d.job for d in done}
        due = tuple(job.name for job in self.jobs if job.name not in recorded)
        return DailyStatus(today, due, done)

    def run(
        self,
        today: date | None = None,
        *,
        only: Collection[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> list[DailyResult]:
        """Run the day's jobs (or `only` those named), each in its own transaction.
        `cancel` is asked between jobs: the ones not reached stay due."""
        self.require(Permission.RUN_DAILY_JOBS)
        today = today or self._today()
        jobs = [job for job in self.jobs if only is None or job.name in only]
        results = []
        for done, job in enumerate(jobs):
            if cancel is not None and cancel():
                break
            if progress is not None:
                progress(done, len(jobs))
            results.append(self._run_one(job, today))
        if progress is not None:
            progress(len(results), len(jobs))
        return results

    def _run_one(self, job: DailyJob, today: date) -> DailyResult:
        try:
            with self.write(Permission.RUN_DAILY_JOBS, reason=f"daily {job.name}") as session:
                if self.db.dialect == "postgresql":  # held until this job's commit
                    session.execute(_LOCK, {"key": DAILY_LOCK_KEY})
                earlier = session.scalar(
                    select(DailyRun.summary).where(DailyRun.job == job.name, DailyRun.day == today)
                )
                if earlier is not None:
                    return DailyResult(job.name, today, earlier, already_ran=True)
                summary = job.run(session, today)
                session.add(
                    DailyRun(job=job.name, day=today, actor=self.actor.login, summary=summary)
                )
                session.flush()
                return DailyResult(job.name, today, summary)
        except ServerRefused:
            # A provisioned database (desktop.db.access): this login's roles do not cover the
            # job's tables. Nothing is recorded, so the job stays due for a colleague whose
            # role does (billing jobs for billing, roster jobs for the office).
            return DailyResult(
                job.name, today, str(N_("left for a colleague whose role covers it")), left=True
            )
        except IntegrityError:  # another PC recorded the same job and day first
            with self.db.read() as session:
                earlier = session.scalar(
                    select(DailyRun.summary).where(DailyRun.job == job.name, DailyRun.day == today)
                )
            return DailyResult(job.name, today, earlier or "", already_ran=True)
