from datetime import date

import pytest
from sqlalchemy import func, select

from desktop.cli import main
from desktop.db.models import DailyRun
from desktop.services.daily import DailyJob

pytestmark = pytest.mark.db


def test_each_job_runs_once_per_day(services):
    calls = []

    def job(session, today):
        calls.append(today)
        return f"did {len(calls)}"

    services.daily.jobs = [DailyJob("example", job)]
    first = services.daily.run(date(2026, 9, 1))
    again = services.daily.run(date(2026, 9, 1))
    next_day = services.daily.run(date(2026, 9, 2))
    assert [str(r) for r in first] == ["example: did 1"]
    assert [str(r) for r in again] == ["example: already ran for 2026-09-01 (did 1)"]
    assert [str(r) for r in next_day] == ["example: did 2"]
    assert calls == [date(2026, 9, 1), date(2026, 9, 2)]


def test_a_failing_job_is_not_recorded_and_changes_nothing(services, db):
    def job(session, today):
        raise RuntimeError("boom")

    services.daily.jobs = [DailyJob("broken", job)]
    with pytest.raises(RuntimeError):
        services.daily.run(date(2026, 9, 1))
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(DailyRun)) == 0


def test_daily_command_with_a_given_day(services, capsys):
    url = services.db.engine.url.render_as_string(hide_password=False)
    assert main(["--database", url, "daily", "--today", "2026-09-01"]) == 0
    assert capsys.readouterr().out.strip()


def test_status_says_what_is_due_without_running_and_cancel_leaves_the_rest_due(services):
    calls = []

    def job(name):
        def run(session, today):
            calls.append(name)
            return f"{name} done"

        return DailyJob(name, run)

    services.daily.jobs = [job("first"), job("second")]
    day = date(2026, 9, 1)
    status = services.daily.status(day)
    assert (status.due, status.done, calls) == (("first", "second"), (), [])
    seen = []
    results = services.daily.run(
        day, only=status.due, progress=lambda d, t: seen.append((d, t)), cancel=lambda: bool(calls)
    )
    assert [r.job for r in results] == ["first"] and calls == ["first"]
    assert seen[0] == (0, 2) and seen[-1] == (1, 2)
    status = services.daily.status(day)
    assert status.due == ("second",)
    assert [(d.job, d.summary, d.actor) for d in status.done] == [
        ("first", "first done", services.actor.login)
    ]
