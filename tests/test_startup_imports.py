"""Start-up does only what the first screen needs (DESIGN.md): the GUI start and a CLI command
import neither Alembic (when the schema is current), nor reportlab, openpyxl, nor the areas
they do not use. Each runs in a fresh interpreter, as the secretary's start does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.db import schema

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("alembic", "reportlab", "openpyxl")
OTHER_AREAS = (
    "desktop.services.billing",
    "desktop.services.billing_letters",
    "desktop.services.consent",
    "desktop.services.cards",
    "desktop.services.terms",
    "desktop.services.access_export",
    "desktop.db.models.billing",
    "desktop.db.models.consent",
    "desktop.db.models.cards",
    "desktop.documents.builders",
)
OTHER_TABS = ("desktop.ui.tabs.cards", "desktop.ui.tabs.consent", "desktop.ui.tabs.billing")
# On SQLite: SQLAlchemy loads a dialect to check its keywords (postgresql_where=), with all its
# drivers; PostgreSQL-only code imports it where it runs.
POSTGRESQL = ("sqlalchemy.dialects.postgresql",)
# What a document is built with: loaded when a letter or a report is made, not to list them.
DOCUMENT_BUILDING = ("desktop.documents.builders", "desktop.documents.template", "reportlab")

GUI_START = """
import json, sys
from desktop.app import start_gui
app, window = start_gui(None, demo=False)
from PySide6.QtCore import QEventLoop, QTimer
ready = []
window.ready.connect(lambda: ready.append(1))
QTimer.singleShot(20_000, lambda: ready.append(0))
while not ready:
    app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
today = window.pages["today"]
print(json.dumps({"ready": ready[0], "rows": len(today.rows()),
                  "current": window.tabs.currentWidget().objectName(),
                  "modules": sorted(sys.modules)}))
"""

CLI = """
import json, sys
from desktop.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _run(code: str, home: Path, *args: str) -> dict:
    env = dict(os.environ)
    env.update(
        SCHOOL_OFFICE_HOME=str(home),
        SCHOOL_OFFICE_NO_DIALOGS="1",
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A home whose default database holds the demo school (migrated in another process)."""
    home = tmp_path_factory.mktemp("start-home")
    assert _run(CLI, home, "demo")["code"] == 0
    return home


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if n in modules or any(m.startswith(n + ".") for m in modules)]


def test_gui_start_imports_only_the_first_tab(home):
    result = _run(GUI_START, home)
    assert result["ready"] == 1 and result["current"] == "tab_today"
    # The app opens on Today (issue 19), which reads every area's deadlines: the areas' services
    # load (OTHER_AREAS), but no other tab, and nothing heavy (reportlab, openpyxl, Alembic),
    # neither the PostgreSQL dialect nor what documents are built with.
    unexpected = HEAVY + OTHER_TABS + ("desktop.ui.tabs.roster",) + POSTGRESQL + DOCUMENT_BUILDING
    assert _loaded(result["modules"], unexpected) == []
    assert "desktop.ui.tabs.today" in result["modules"]


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (("roster", "export", "{out}"), ()),
        (("staff", "list"), ()),
        (("db", "upgrade"), ()),  # already current: one query, no Alembic
    ],
)
def test_a_cli_command_imports_only_its_own_area(home, tmp_path, args, allowed):
    args = tuple(a.format(out=tmp_path / "roster.csv") for a in args)
    result = _run(CLI, home, *args)
    assert result["code"] == 0
    unexpected = HEAVY + OTHER_AREAS + ("desktop.cli.billing", "desktop.cli.consent", "PySide6")
    unexpected += POSTGRESQL
    assert _loaded(result["modules"], tuple(n for n in unexpected if n not in allowed)) == []


def test_today_lists_every_area_without_building_documents(home):
    """`today --json` reads every area's deadlines (their services load) but builds no
    document, and on SQLite never loads the PostgreSQL dialect."""
    result = _run(CLI, home, "today", "--json")
    assert result["code"] == 0
    unexpected = HEAVY + POSTGRESQL + DOCUMENT_BUILDING + ("PySide6",)
    assert _loaded(result["modules"], unexpected) == []
    assert "desktop.services.today" in result["modules"]


def test_the_heads_read_from_the_files_are_alembics():
    """The one-query check reads the migration files itself; it must agree with Alembic."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(schema.alembic_config())
    assert schema.head_revisions() == set(script.get_heads())
    known = schema.known_revisions()
    assert set(known) == {rev.revision for rev in script.walk_revisions()}
    for rev in script.walk_revisions():
        assert set(known[rev.revision].down) == set(rev._versioned_down_revisions)
        assert set(known[rev.revision].depends_on) == set(rev._resolved_dependencies)
    every = set(script.get_heads())
    assert schema.applied_revisions(every) == set(known)


def test_the_lazy_model_table_matches_the_modules():
    from desktop.db import models
    from desktop.db.base import Base

    models.load_all()
    mapped = {m.class_.__name__: m.class_.__module__ for m in Base.registry.mappers}
    listed = {name: f"desktop.db.models.{area}" for name, area in models._MODULE_OF.items()}
    assert listed == mapped
    assert sorted(models.__all__) == sorted(listed)


def test_daily_builds_no_document_and_on_a_day_already_done_imports_no_area(home):
    """The app asks at every start and `daily` is scheduled: its jobs print nothing, and a day
    already done is one read per job, with no area's services imported."""
    doing = _run(CLI, home, "daily", "--today", "2026-11-18")  # does the day
    assert doing["code"] == 0
    assert _loaded(doing["modules"], HEAVY + POSTGRESQL + DOCUMENT_BUILDING) == []
    result = _run(CLI, home, "daily", "--today", "2026-11-18")
    assert result["code"] == 0
    unexpected = HEAVY + OTHER_AREAS + ("desktop.services.billing_daily", "PySide6")
    assert _loaded(result["modules"], unexpected) == []


SETTLE = """
import gc, json
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication
from desktop import app, cli

qt = QApplication([])
seen = {}


class Window(QObject):
    ready = Signal()


class Started:  # start_gui's QApplication: the event loop makes the window ready
    def exec(self):
        seen["paused"] = not gc.isenabled()
        window.ready.emit()
        seen["resumed"], seen["frozen"] = gc.isenabled(), gc.get_freeze_count()
        return 0


window = Window()
app.start_gui = lambda url, demo: (Started(), window)
seen["code"] = cli.main([])
print(json.dumps(seen))
"""


def test_the_collector_pauses_while_the_gui_starts_and_then_freezes_what_it_loaded(tmp_path):
    """`school-office` pauses the garbage collector for the GUI's start (about 15% of it); once
    the window is ready, what the start loaded is frozen (never scanned again) and the
    collector runs again. Not in start_gui: tests call that in their own process."""
    seen = _run(SETTLE, tmp_path)
    assert seen == {"paused": True, "resumed": True, "frozen": seen["frozen"], "code": 0}
    assert seen["frozen"] > 10_000
