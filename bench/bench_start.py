"""GUI start → usable window: an existing database with the demo school (840 students).

    .venv/bin/python bench/bench_start.py [--runs 7]

Each run is a fresh process, from its spawn to the main window shown with the roster's rows
loaded and painted (bench_roster_gui.measure_start). The floor (bench_roster_gui.
measure_start_raw) is the least the same screen needs: Python, PySide6, a QTableView over the
same 840 rows read with sqlite3. App and floor runs alternate and the median of each is
reported, with the best runs beside it, so that load from other processes shows as spread, not
as a ratio. Targets (issue 16): ≤ 2.5× the floor and ≤ 0.8 s.

As an installed app has: the bytecode is compiled and the translations are built first
(`compileall`, `python -m desktop.i18n compile`), so the figure is not a one-off compile.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))

from bench_roster_gui import run  # noqa: E402
from common import scratch  # noqa: E402


def prepare_like_an_install() -> None:
    """Bytecode and .mo catalogues, as the installer (and `pip install`) leaves them."""
    python = sys.executable
    subprocess.run(
        [python, "-m", "compileall", "-q", "desktop"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [python, "-m", "desktop.i18n", "compile"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def line(title: str, ours: list[float], floor: list[float], target: str) -> str:
    mine, base = statistics.median(ours), statistics.median(floor)
    return (
        f"{title:<40} {mine:7.3f} s (best {min(ours):.3f})   floor {base:7.3f} s "
        f"(best {min(floor):.3f})   ratio {mine / base:4.1f}x (best {min(ours) / min(floor):.1f}x)"
        f"   {target}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    prepare_like_an_install()
    home = scratch("start")
    first = run("start", str(home))  # fills the demo school: the --demo first start
    demo_db = home / "data" / "school-office.sqlite3"
    ours, floor = [], []
    for _ in range(args.runs):
        ours.append(run("start", str(home))["usable"])
        floor.append(run("start-raw", str(demo_db))["usable"])
    print(
        f"GUI start, demo school of {first['rows']} students, {os.cpu_count()} CPUs, "
        f"{args.runs} alternating runs (median)"
    )
    print(
        line("start → usable window (existing DB)", ours, floor, "target ≤ 2.5x floor and ≤ 0.8 s")
    )
    print(f"  (first start, filling the demo school: {first['usable']:.3f} s)")


if __name__ == "__main__":
    main()
