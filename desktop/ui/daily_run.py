"""The daily jobs at the first start of a day (issue 19).

After the main window is shown, the app asks DailyService which of today's date-driven jobs
have not run yet (one read); if some are due and the staff member may run them, they run off
the GUI thread behind a progress dialog (Cancel stops between jobs; the rest stay due). Then a
line at the top of the Today tab says when they ran, with what each did in its tooltip. Another
PC that starts later finds them recorded and only shows the line. A job the server refuses for
this login's roles is skipped quietly and stays due for a colleague (desktop.services.daily).
With dialogs off (CI, tests) the same runs without a progress dialog.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from desktop.domain.dates import school_zone
from desktop.domain.errors import SchoolOfficeError
from desktop.domain.roles import Permission
from desktop.services.daily import DailyResult, DailyStatus
from desktop.ui import messages
from desktop.ui.text import N_, _, n_, stored_text
from desktop.ui.workers import run_task, run_with_progress

log = logging.getLogger(__name__)

# The jobs' names (desktop.services.container) as the secretary reads them.
JOB_LABELS = {
    "card-expiry": N_("Card expiry"),
    "settle-endings": N_("Ended subscriptions"),
    "trial-ends": N_("Trial ends"),
    "billing-reminders": N_("Payment reminders"),
    "termination-proposals": N_("Termination proposals"),
    "retention-proposals": N_("Retention proposals"),
    "request-deadlines": N_("Request deadlines"),
    "addressee-changes": N_("Students coming of age"),
}


def job_label(name: str) -> str:
    label = JOB_LABELS.get(name)
    return _(label) if label else name


class DailyRunner(QObject):
    """Runs the day's due jobs once for the main window and shows the outcome."""

    finished = Signal()  # the line is shown (tests and the smoke test may wait on it)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.services = window.services
        self.country = window.school.country.value
        self.results: list[DailyResult] = []
        self.running = False
        self.ran = False  # this start ran the due jobs (all, or up to Cancel)

    def start(self) -> None:
        """Reads whether today's jobs are due off the GUI thread (it builds every area's daily
        jobs), then runs those due."""
        self.running = True
        run_task(
            lambda progress, cancel: self.services.daily.status(),
            self._status_read,
            self._status_failed,
        )

    def _status_failed(self, exc: BaseException) -> None:
        self.running = False
        if not isinstance(exc, SchoolOfficeError):
            self._failed(exc)
            return
        log.warning("cannot read today's daily jobs: %s", exc)  # the next start tries again
        self.finished.emit()

    def _status_read(self, status: DailyStatus) -> None:
        if not status.due or not self.services.actor.can(Permission.RUN_DAILY_JOBS):
            self.running = False
            self._show(status)
            return
        daily = self.services.daily
        day, due = status.day, status.due

        def work(progress, cancel):
            results = daily.run(day, only=due, progress=progress, cancel=cancel)
            return results, daily.status(day)

        log.info("running today's date-driven jobs: %s", ", ".join(due))
        if messages.dialogs_enabled():
            run_with_progress(
                self.window, _("Running today's date-driven jobs…"), work, self._done, self._failed
            )
        else:
            run_task(work, self._done, self._failed)

    def _done(self, outcome: tuple[list[DailyResult], DailyStatus]) -> None:
        self.running = False
        self.ran = True
        self.results, status = outcome
        for result in self.results:
            log.info("daily %s", result)
        self._show(status)

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        try:
            messages.show_error(
                self.window, exc, _("Today's date-driven jobs could not all run"), self.country
            )
        finally:
            self._set_line(
                _(
                    "Today's date-driven jobs could not all run; they are tried again at the next "
                    "start."
                ),
                "",
            )

    # ---- the line ----------------------------------------------------------------------------

    def _show(self, status: DailyStatus) -> None:
        zone = school_zone(self.country)
        ran_now = [r for r in self.results if not r.already_ran and not r.left]
        left = sorted({r.job for r in self.results if r.left})
        parts, details = [], []
        if status.done:
            latest = max(d.ran_at for d in status.done).astimezone(zone)
            if ran_now:
                parts.append(
                    n_(
                        "Today's date-driven job ran at {time}.",
                        "Today's {n} date-driven jobs ran at {time}.",
                        len(ran_now),
                    ).format(n=len(ran_now), time=f"{latest:%H:%M}")
                )
            else:
                parts.append(
                    _("Today's date-driven jobs already ran at {time}.").format(
                        time=f"{latest:%H:%M}"
                    )
                )
            for d in status.done:
                when = d.ran_at.astimezone(zone)
                details.append(f"{job_label(d.job)} ({when:%H:%M}): {stored_text(d.summary)}")
        if left:
            parts.append(
                n_(
                    "{n} job is left for a colleague whose role covers it.",
                    "{n} jobs are left for a colleague whose role covers them.",
                    len(left),
                ).format(n=len(left))
            )
            details += [
                f"{job_label(job)}: {_('left for a colleague whose role covers it')}"
                for job in left
            ]
        not_reached = [job for job in status.due if job not in left]
        if self.ran and not_reached:  # Cancel: the rest run at the next start
            parts.append(
                n_(
                    "{n} job was stopped; it runs at the next start.",
                    "{n} jobs were stopped; they run at the next start.",
                    len(not_reached),
                ).format(n=len(not_reached))
            )
        self._set_line(" ".join(parts), "\n".join(details))

    def _set_line(self, text: str, details: str) -> None:
        pages = self.window.pages
        if "today" in pages:
            pages["today"].show_daily_run(text, details)
        elif text:
            self.window.statusBar().showMessage(text, 15_000)
        self.finished.emit()
