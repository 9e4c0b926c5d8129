"""The daily jobs run by themselves (issue 19): the first start of a day runs the day's
date-driven jobs off the GUI thread and says what they did on the Today tab; a later start,
on another PC, finds them done and runs nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desktop.db.models import DailyRun
from desktop.domain.errors import ServerRefused
from desktop.domain.roles import Role
from desktop.services.container import Services
from desktop.services.daily import DailyJob, DailyService
from desktop.ui.main_window import MainWindow
from tests.test_today import TODAY, seed, with_roles

pytestmark = [pytest.mark.gui, pytest.mark.db]


@pytest.fixture(autouse=True)
def _no_dialogs(monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")


@pytest.fixture
def runs(monkeypatch):
    """Every DailyService.run call, by the login that made it."""
    calls = []
    real = DailyService.run

    def counted(self, *args, **kwargs):
        calls.append(self.actor.login)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(DailyService, "run", counted)
    return calls


def start(qtbot, services):
    """What desktop.app.start_gui does once the school is known."""
    window = MainWindow(services, services.school.require_school())
    qtbot.addWidget(window)
    window.show()
    runner = window.run_daily_jobs()
    qtbot.waitUntil(lambda: not runner.running, timeout=10_000)
    return window, window.pages["today"].daily_line


def recorded(db) -> int:
    with db.read() as session:
        return session.scalar(
            select(func.count()).select_from(DailyRun).where(DailyRun.day == TODAY)
        )


def test_first_start_runs_the_jobs_and_another_pc_finds_them_done(
    qtbot, services_si, inline_workers, runs
):
    seed(services_si)  # a request to answer this week: the deadlines job has something to say
    jobs = len(services_si.daily.jobs)
    assert services_si.daily.status().due  # nothing ran today yet
    window, line = start(qtbot, with_roles(services_si, *Role))
    assert len(runs) == 1 and recorded(services_si.db) == jobs
    assert window.daily.ran
    assert line.isVisible()
    assert line.text().startswith(f"Today's {jobs} date-driven jobs ran at ")
    assert "Request deadlines (" in line.toolTip()
    assert "1 request(s) to answer or forward" in line.toolTip()
    assert not services_si.daily.status().due

    other_pc = Services(services_si.db, services_si.actor)  # a second PC on the same database
    window, line = start(qtbot, other_pc)
    assert len(runs) == 1 and recorded(services_si.db) == jobs  # nothing ran again
    assert not window.daily.ran
    assert line.text().startswith("Today's date-driven jobs already ran at ")
    assert "Request deadlines (" in line.toolTip()


def test_a_job_the_server_refuses_is_left_for_a_colleague(qtbot, services_si, inline_workers):
    def refused(session, today):
        raise ServerRefused("sekretar", "permission denied for table subscription")

    services_si.daily.jobs = [
        DailyJob("card-expiry", lambda session, today: "0 card(s) expired"),
        DailyJob("billing-reminders", refused),
    ]
    _window, line = start(qtbot, services_si)
    assert line.text() == (
        f"Today's date-driven job ran at {line.text().split(' at ')[1][:5]}. "
        "1 job is left for a colleague whose role covers it."
    )
    assert "Payment reminders: left for a colleague" in line.toolTip()
    assert services_si.daily.status().due == ("billing-reminders",)  # still due, unrecorded


def test_a_role_without_the_daily_jobs_runs_nothing(qtbot, services_si, inline_workers, runs):
    _window, line = start(qtbot, with_roles(services_si, Role.DATA_PROTECTION))
    assert runs == [] and recorded(services_si.db) == 0
    assert not line.isVisible()
