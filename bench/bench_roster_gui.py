"""Roster GUI benchmark: 100,000 students in SQLite, measured against a raw sqlite3 floor.

    .venv/bin/python bench/bench_roster_gui.py [--students 100000] [--db PATH]

Figures (each measured in a fresh process, Qt offscreen unless QT_QPA_PLATFORM is set):
  a) roster tab open → first paint (the "Loading…" table), → rows painted, → search ready
  b) one filter keystroke while typing a 6-letter name: average and worst
  c) resident memory with the roster open
  d) app start (python -m desktop style start_gui) → usable window, 840-student demo school
Beside each: the same work with raw sqlite3 and the least Qt needed, and the ratio.
Targets (DESIGN.md / brief): a ≤ 0.5 s, b ≤ 50 ms, c ≤ 400 MB, d ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLUMNS_SQL = (
    "SELECT id, last_name, first_name, personal_code, class_name, status, birth_date FROM student"
)
NAME = "markus"  # a 6-letter first name of the Estonian demo school
BENCH_LOGIN = "bench"


# ---- helpers used in the measuring processes --------------------------------------------


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process, in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


class PaintClock:
    """Times the paints of one widget (the table's viewport)."""

    def __init__(self, widget):
        from PySide6.QtCore import QEvent, QObject

        class Filter(QObject):
            def eventFilter(inner, obj, event):
                if event.type() == QEvent.Type.Paint:
                    self.paints.append(time.perf_counter())
                return False

        self.paints: list[float] = []
        self._filter = Filter()
        widget.installEventFilter(self._filter)


def raw_table(rows):
    """The least Qt can do: a list model over tuples in a QTableView."""
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QHeaderView, QTableView

    class Model(QAbstractTableModel):
        def rowCount(self, parent=QModelIndex()):  # noqa: B008
            return len(rows)

        def columnCount(self, parent=QModelIndex()):  # noqa: B008
            return 6

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            if role == Qt.ItemDataRole.DisplayRole:
                value = rows[index.row()][index.column() + 1]
                return "" if value is None else str(value)
            return None

    view = QTableView()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.setModel(Model())
    view.resize(1300, 800)
    return view


def wait(app, done, timeout=60.0):
    """Run the event loop until done(); sleeping between events, as the real app does.

    (Spinning processEvents() would fight the loading thread for the GIL and slow it down.)
    """
    from PySide6.QtCore import QEventLoop, QTimer

    tick = QTimer(interval=100)  # wakes the loop to check the timeout
    tick.start()
    start = time.perf_counter()
    while not done():
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the roster did not load")
    tick.stop()


# ---- measurements (each runs in its own process) -----------------------------------------


def measure_app(db_path: str) -> dict:
    """(a), (b), (c) with the real RosterTab over RosterService."""
    from desktop.services.container import Services, open_database
    from desktop.services.staff import resolve_actor

    db = open_database(f"sqlite:///{db_path}")
    services = Services(db, resolve_actor(db, BENCH_LOGIN))
    school = services.school.require_school()
    from PySide6.QtWidgets import QApplication

    from desktop.startup import pause_collector, resume_collector
    from desktop.ui.tabs.roster import RosterTab
    from desktop.ui.workers import prepare_for_threads

    app = QApplication.instance() or QApplication([])
    # As in the app: its window's first task (Today, the change poll) has loaded every model
    # before a tab can be opened, and the collector has frozen what the start loaded.
    pause_collector()
    prepare_for_threads()
    resume_collector()
    rss_before = rss_mb()[0]
    start = time.perf_counter()
    tab = RosterTab(services, school)
    clock = PaintClock(tab.table.viewport())
    loaded = []
    tab.loaded.connect(lambda: loaded.append(time.perf_counter()))
    tab.resize(1300, 800)
    tab.show()
    wait(app, lambda: loaded and clock.paints and clock.paints[-1] > loaded[0])
    first_paint = clock.paints[0] - start
    rows_painted = next(p for p in clock.paints if p > loaded[0]) - start
    rows = tab.controller.model.total_count
    # The search strings are made on a task after the rows are painted: a keystroke sooner
    # than that waits for them. Typing is timed once they are ready; the wait is reported.
    wait(app, lambda: tab.controller.model.prepared)
    search_ready = time.perf_counter() - start

    keystrokes = []
    for n in range(1, len(NAME) + 1):
        t = time.perf_counter()
        tab.search.setText(NAME[:n])  # textChanged → filter → model update
        tab.table.viewport().repaint()  # and the repaint, synchronously
        keystrokes.append(time.perf_counter() - t)
    shown = tab.controller.model.visible_count
    for n in range(len(NAME) - 1, -1, -1):  # deleting widens again: not narrowing
        t = time.perf_counter()
        tab.search.setText(NAME[:n])
        tab.table.viewport().repaint()
        keystrokes.append(time.perf_counter() - t)
    rss, peak = rss_mb()
    return {
        "rows": rows,
        "first_paint": first_paint,
        "rows_painted": rows_painted,
        "search_ready": search_ready,
        "typing": keystrokes[: len(NAME)],
        "deleting": keystrokes[len(NAME) :],
        "matches": shown,
        "rss": rss,
        "peak": peak,
        "rss_before_tab": rss_before,
    }


def measure_raw(db_path: str) -> dict:
    """The floor: sqlite3 rows, a bare table, a pure-Python scan over lowercase strings."""
    import sqlite3

    from PySide6.QtWidgets import QApplication

    import desktop.ui  # noqa: F401  (its PySide6 6.12 work-around keeps this process alive too)

    app = QApplication.instance() or QApplication([])
    rss_before = rss_mb()[0]
    start = time.perf_counter()
    rows = sqlite3.connect(db_path).execute(COLUMNS_SQL).fetchall()
    fetched = time.perf_counter() - start
    view = raw_table(rows)
    clock = PaintClock(view.viewport())
    view.show()
    wait(app, lambda: clock.paints)
    rows_painted = clock.paints[0] - start
    haystack = [f"{r[2]} {r[1]} {r[3] or ''} {r[4] or ''}".lower() for r in rows]
    keystrokes = []
    for n in range(1, len(NAME) + 1):
        t = time.perf_counter()
        needle = NAME[:n]
        visible = [i for i, text in enumerate(haystack) if needle in text]
        keystrokes.append(time.perf_counter() - t)
    rss, peak = rss_mb()
    return {
        "rows": len(rows),
        "fetch": fetched,
        "rows_painted": rows_painted,
        "typing": keystrokes,
        "matches": len(visible),
        "rss": rss,
        "peak": peak,
        "rss_before_tab": rss_before,
    }


def measure_start(home: str, spawned_at: float) -> dict:
    """(d) The real start: composition root to a window whose roster is loaded and painted."""
    os.environ["SCHOOL_OFFICE_HOME"] = home
    from desktop.startup import pause_collector

    pause_collector()  # as `school-office` does before it imports the GUI (desktop.cli)
    from desktop.app import start_gui

    app, window = start_gui(None, demo=True)
    ready = []
    window.ready.connect(lambda: ready.append(True))
    wait(app, lambda: ready)
    app.processEvents()  # the paint that shows the rows
    usable = time.time() - spawned_at
    # The school's size, for the report: the first tab (Today) does not hold the roster.
    students = len(window.services.roster.table_rows())
    return {"usable": usable, "rows": students}


def measure_start_raw(db_path: str, spawned_at: float) -> dict:
    import sqlite3

    from PySide6.QtWidgets import QApplication

    import desktop.ui  # noqa: F401  (the PySide6 6.12 work-around, as in the app)

    app = QApplication([])
    rows = sqlite3.connect(db_path).execute(COLUMNS_SQL).fetchall()
    view = raw_table(rows)
    clock = PaintClock(view.viewport())
    view.show()
    wait(app, lambda: clock.paints)
    return {"usable": time.time() - spawned_at, "rows": len(rows)}


# ---- the driver ----------------------------------------------------------------------------


def run(*args: str) -> dict:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["SCHOOL_OFFICE_NO_DIALOGS"] = "1"
    env.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    spawned = time.time()
    out = subprocess.run(
        [sys.executable, __file__, "--measure", *args, "--spawned-at", repr(spawned)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"measuring {args[0]} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_database(path: Path, students: int) -> float:
    from desktop.domain.roster import Country
    from desktop.services.container import open_database
    from desktop.services.demo import DemoService
    from desktop.services.staff import resolve_actor

    db = open_database(f"sqlite:///{path}")
    actor = resolve_actor(db, BENCH_LOGIN)
    start = time.perf_counter()
    DemoService(db, actor).fill(Country.EE, students)
    elapsed = time.perf_counter() - start
    db.dispose()
    return elapsed


def row(label: str, app: float, raw: float | None, unit: str, target: str = "") -> str:
    scale, digits = {"s": (1, 3), "ms": (1000, 1), "MB": (1, 0)}[unit]
    ours = f"{app * scale:8.{digits}f} {unit:2s}"
    if raw is None:  # nothing to compare with
        return f"  {label:46s} {ours}   raw {'—':>11s}   {'—':>6s}  {target}"
    floor = f"{raw * scale:8.{digits}f} {unit:2s}"
    return f"  {label:46s} {ours}   raw {floor}   {app / raw:5.1f}×  {target}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--db", help="reuse (or create) this SQLite file")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--spawned-at", type=float, help=argparse.SUPPRESS)
    parser.add_argument("target", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        sys.path.insert(0, str(ROOT))
        result = {
            "app": lambda: measure_app(args.target),
            "raw": lambda: measure_raw(args.target),
            "start": lambda: measure_start(args.target, args.spawned_at),
            "start-raw": lambda: measure_start_raw(args.target, args.spawned_at),
        }[args.measure]()
        print(json.dumps(result))
        return

    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    db_path = Path(args.db) if args.db else work / "roster-100k.sqlite3"
    print(
        f"School Office roster GUI benchmark — {os.cpu_count()} CPUs, "
        f"Qt platform {os.environ.get('QT_QPA_PLATFORM', 'offscreen')}"
    )
    if not db_path.exists():
        fill = make_database(db_path, args.students)
        print(f"  DemoService.fill({args.students:,} students): {fill:.1f} s  ({db_path})")
    app = run("app", str(db_path))
    raw = run("raw", str(db_path))
    print(f"\n{app['rows']:,} students (raw fetch of the same columns: {raw['fetch']:.3f} s)")
    print(row('a) tab open → first paint ("Loading…")', app["first_paint"], None, "s"))
    print(
        row(
            "a) tab open → rows painted",
            app["rows_painted"],
            raw["rows_painted"],
            "s",
            "target ≤ 0.5 s",
        )
    )
    print(row("a) tab open → search ready (typing waits)", app["search_ready"], None, "s"))
    typing, raw_typing = app["typing"], raw["typing"]
    print(
        row(
            f"b) keystroke, typing '{NAME}' (average)",
            sum(typing) / len(typing),
            sum(raw_typing) / len(raw_typing),
            "ms",
            "target ≤ 50 ms",
        )
    )
    print(row(f"b) keystroke, typing '{NAME}' (worst)", max(typing), max(raw_typing), "ms"))
    print(
        row("b) keystroke, deleting it again (worst)", max(app["deleting"]), max(raw_typing), "ms")
    )
    print(
        f"     per keystroke (ms): app {[round(t * 1000, 1) for t in typing]}  "
        f"raw {[round(t * 1000, 1) for t in raw_typing]};  "
        f"'{NAME}' matches {app['matches']} (raw {raw['matches']})"
    )
    print(
        row("c) memory with the roster open (RSS)", app["rss"], raw["rss"], "MB", "target ≤ 400 MB")
    )
    print(row("c) peak memory (VmHWM)", app["peak"], raw["peak"], "MB"))

    home = work / "home"
    first = run("start", str(home))  # creates the demo school: the --demo first start
    again = run("start", str(home))  # the everyday start of an existing database
    demo_db = home / "data" / "school-office.sqlite3"
    floor = min(run("start-raw", str(demo_db))["usable"] for _ in range(2))
    print(f"\n{again['rows']} students (demo school)")
    print(
        row(
            "d) start → usable window (first, fills demo)",
            first["usable"],
            floor,
            "s",
            "target ≤ 1.5 s",
        )
    )
    print(row("d) start → usable window (existing database)", again["usable"], floor, "s"))


if __name__ == "__main__":
    main()
