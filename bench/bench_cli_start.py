"""CLI start: whole commands, process start to exit, on the demo school (840 students).

    .venv/bin/python bench/bench_cli_start.py [--runs 7]

The main figure is `school-office roster export` of 840 students; the floor is the least that
does the same job: `python -c` with sqlite3 and csv writing the same rows. Other everyday
commands are timed beside the same floor: `staff list`, `db upgrade` of a current database
(one query, no Alembic), `daily` on a day already done, `today --json` (which reads every
area), and `daily` doing a day's jobs (on a fresh copy of the database each run). Runs
alternate with the floor; medians (and best runs) are reported. Target (issue 16): any
command ≤ 0.5 s.

As an installed app has: the bytecode is compiled and the translations are built first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))

from bench_start import prepare_like_an_install  # noqa: E402
from common import scratch  # noqa: E402

FLOOR = """
import csv, sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT last_name, first_name, personal_code, class_name, status, birth_date FROM student"
    " ORDER BY last_name, first_name").fetchall()
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["last_name", "first_name", "personal_code", "class_name", "status", "birth_date"])
    w.writerows(rows)
print(f"exported {len(rows)} students")
"""


def timed(command: list[str], home: Path | None = None) -> float:
    env = dict(os.environ, SCHOOL_OFFICE_HOME=str(home)) if home else None
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def fresh_copy(home: Path, into: Path) -> Path:
    """A home whose database has not had today's jobs yet: each run does them."""
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(home / "data", into / "data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    prepare_like_an_install()
    home = scratch("cli-start")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    cli = [sys.executable, "-m", "desktop"]
    subprocess.run([*cli, "demo"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    db = home / "data" / "school-office.sqlite3"
    commands = {
        "roster export (840 students)": ["roster", "export", str(home / "roster.csv")],
        "staff list": ["staff", "list"],
        "db upgrade (already current)": ["db", "upgrade"],
        "daily (an ordinary day, done)": ["daily", "--today", "2026-11-18"],
        "today --json (every area)": ["today", "--json"],
    }
    # The next school day's jobs, run on a fresh copy of the database each time.
    jobs_name, jobs = "daily (doing a day's jobs)", ["daily", "--today", "2026-11-19"]
    subprocess.run(
        [*cli, "daily", "--today", "2026-11-18"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    floor_command = [sys.executable, "-c", FLOOR, str(db), str(home / "floor.csv")]
    times: dict[str, list[float]] = {name: [] for name in (*commands, jobs_name)}
    floor: list[float] = []
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(timed([*cli, *command]))
            floor.append(timed(floor_command))
        copy = fresh_copy(home, home.parent / f"{home.name}-jobs")
        times[jobs_name].append(timed([*cli, *jobs], copy))
    base = statistics.median(floor)
    print(
        f"CLI commands, whole process, {os.cpu_count()} CPUs, {args.runs} alternating runs "
        f"(median; floor: python + sqlite3 + csv, {base:.3f} s, best {min(floor):.3f} s)"
    )
    for name, values in times.items():
        mine = statistics.median(values)
        verdict = "ok" if mine <= 0.5 else "MISSED"
        print(
            f"  {name:<32} {mine:7.3f} s (best {min(values):.3f})   floor {base:7.3f} s   "
            f"ratio {mine / base:5.1f}x   (target ≤ 0.50 s: {verdict})"
        )


if __name__ == "__main__":
    main()
