"""The daily run: every date-driven job, exactly once per school day.

Each job does its work inside the transaction that records it in `daily_run`, so a job either
ran completely for a day and is recorded, or did nothing. Running `daily` twice for the same
day changes nothing the second time, and two PCs running it at once cannot both do a job.
Areas add their jobs in desktop.services.container (card expiry, trial ends, reminders, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

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

    def __str__(self) -> str:
        if self.already_ran:
            return f"{self.job}: already ran for {self.day.isoformat()} ({self.summary})"
        return f"{self.job}: {self.summary}"


class DailyService(Service):
    def __init__(self, db, actor, jobs: list[DailyJob] | None = None):
        super().__init__(db, actor)
        self.jobs: list[DailyJob] = list(jobs or [])

    def run(self, today: date | None = None) -> list[DailyResult]:
        self.require(Permission.RUN_DAILY_JOBS)
        today = today or SchoolService(self.db, self.actor).require_school().today()
        return [self._run_one(job, today) for job in self.jobs]

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
                job.name, today, str(N_("left for a colleague whose role covers it"))
            )
        except IntegrityError:  # another PC recorded the same job and day first
            with self.db.read() as session:
                earlier = session.scalar(
                    select(DailyRun.summary).where(DailyRun.job == job.name, DailyRun.day == today)
                )
            return DailyResult(job.name, today, earlier or "", already_ran=True)
