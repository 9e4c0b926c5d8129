"""Two office PCs save the same student at the same moment: exactly one save wins, the other
is told who changed the record and when, and nothing is lost silently (SQLite and PostgreSQL)."""

from __future__ import annotations

import multiprocessing

import pytest

from desktop.domain.roles import Role
from desktop.services.roster import StudentInput

pytestmark = pytest.mark.db


def _edit(url: str, login: str, student_id: int, version: int, class_name: str, barrier, results):
    from desktop.db.session import Database
    from desktop.domain.errors import ConflictError
    from desktop.services.base import Actor
    from desktop.services.container import Services

    db = Database(url)
    services = Services(db, Actor(login, login, frozenset({Role.OFFICE})))
    record = services.roster.get(student_id)  # both PCs have the form open at version 1
    assert record.version == version
    barrier.wait(timeout=20)
    data = StudentInput(
        record.first_name, record.last_name, record.personal_code or "", class_name=class_name
    )
    try:
        services.roster.update_student(student_id, version, data)
        results.put((login, "saved", ""))
    except ConflictError as exc:
        results.put((login, "conflict", exc.who))
    finally:
        db.dispose()


def test_two_processes_editing_the_same_student(services, db_url):
    record = services.roster.create_student(
        StudentInput("Mari-Liis", "Õunapuu", "61205171232", class_name="5.b")
    )
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(
            target=_edit, args=(db_url, login, record.id, record.version, cls, barrier, results)
        )
        for login, cls in (("pc-one", "6.a"), ("pc-two", "6.b"))
    ]
    for p in procs:
        p.start()
    outcomes = sorted(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    kinds = sorted(o[1] for o in outcomes)
    assert kinds == ["conflict", "saved"], outcomes
    winner = next(o[0] for o in outcomes if o[1] == "saved")
    loser_was_told = next(o[2] for o in outcomes if o[1] == "conflict")
    assert loser_was_told == winner
    final = services.roster.get(record.id)
    assert final.version == record.version + 1
    assert final.class_name == {"pc-one": "6.a", "pc-two": "6.b"}[winner]
