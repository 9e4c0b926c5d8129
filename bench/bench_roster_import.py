"""`roster import` of 10,000 rows into SQLite (target ≤ 2 s, issue 16), beside raw sqlite3
inserting the same rows (the floor). Also the re-import of the same file (nothing changes).

Run: .venv/bin/python bench/bench_roster_import.py
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import report, scratch

ROWS = 10_000


def main() -> None:
    home = scratch("import")
    source = home / "source.sqlite3"
    target = home / "target.sqlite3"
    csv_path = home / "roster.csv"
    python = sys.executable
    cli = [python, "-m", "desktop"]

    def run(*args: str, db: Path) -> float:
        start = time.perf_counter()
        subprocess.run(
            [*cli, "--database", f"sqlite:///{db}", *args], check=True, stdout=subprocess.DEVNULL
        )
        return time.perf_counter() - start

    run("demo", "--students", str(ROWS), db=source)
    run("roster", "export", str(csv_path), db=source)
    run("school", "init", "--name", "Bench School", "--country", "EE", db=target)

    # In-process timing of the import itself (what the user waits for once the app is open).
    import os

    from desktop.services.container import open_services

    services = open_services(f"sqlite:///{target}")
    start = time.perf_counter()
    plan = services.roster_io.plan(csv_path)
    planned = time.perf_counter() - start
    services.roster_io.commit(plan)
    total = time.perf_counter() - start
    assert plan.count("add") == ROWS, plan.summary()
    start = time.perf_counter()
    again = services.roster_io.plan(csv_path)
    reimport = time.perf_counter() - start
    assert again.count("unchanged") == ROWS
    services.db.dispose()

    # Whole command, process start included, on a second empty database.
    target2 = home / "target2.sqlite3"
    run("school", "init", "--name", "Bench School", "--country", "EE", db=target2)
    command = run("roster", "import", str(csv_path), db=target2)

    floor = raw_sqlite_floor(csv_path, home / "floor.sqlite3")
    print(f"roster import of {ROWS:,} rows (SQLite, {os.cpu_count()} cores)")
    report("check (read, validate, compare)", planned, floor)
    report("check + commit", total, floor, 2.0)
    report("re-import of the same file (no change)", reimport, floor)
    report("`school-office roster import` whole command", command, floor, 2.0)


def raw_sqlite_floor(csv_path: Path, db: Path) -> float:
    """The same rows read with csv and inserted with executemany: no checks, no audit."""
    import csv

    start = time.perf_counter()
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(
        "create table s (id integer primary key, first text, last text, code text unique,"
        " class text, status text, birth text, lang text)"
    )
    con.execute(
        "create table g (id integer primary key, first text, last text, phone text, email text)"
    )
    con.execute("create table l (student integer, guardian integer)")
    with con:
        con.executemany(
            "insert into s (first,last,code,class,status,birth,lang) values (?,?,?,?,?,?,?)",
            [[c or None for c in r[:7]] for r in rows],
        )
        con.executemany(
            "insert into g (first,last,phone,email) values (?,?,?,?)", [r[7:11] for r in rows]
        )
        con.executemany("insert into l values (?,?)", [(i, i) for i in range(1, len(rows) + 1)])
    con.close()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
