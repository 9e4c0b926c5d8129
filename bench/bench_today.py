"""The Today list with the 5,000-student Slovenian demo: how long the tab takes to open.

    .venv/bin/python bench/bench_today.py [--students 5000] [--database URL] [--today YYYY-MM-DD]

1. TodayService.gather for an administrator + office + billing + data-protection actor (every
   source read), the first call in the process (the area services imported and built) and the
   median of the next ten. The first call is what the secretary waits for when the app opens.
2. The Today tab itself (offscreen Qt): built, loaded and drawn, from the factory call to its
   `loaded` signal, first and median.

Target: ≤ 0.3 s to open the tab. The ratio printed is ours / target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import scratch  # noqa: E402

TARGET = 0.3


def line(title: str, seconds: float) -> None:
    ratio = seconds / TARGET
    verdict = "ok" if seconds <= TARGET else "MISSED"
    print(f"{title:<48} {seconds:7.3f} s   target {TARGET:.2f} s   ratio {ratio:4.2f}  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--database", help="default: a new SQLite file under bench/out/today")
    parser.add_argument("--today", help="the school's day (default: the clock)")
    args = parser.parse_args()
    home = scratch("today")
    url = args.database or f"sqlite:///{home / 'bench.sqlite3'}"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from desktop.cli.common import set_clock_day
    from desktop.domain.roles import Role
    from desktop.domain.roster import Country
    from desktop.services.container import Services, open_services
    from desktop.services.demo import DemoService

    if args.today:
        from datetime import date

        set_clock_day(date.fromisoformat(args.today))
    services = open_services(url)
    if services.school.get() is None:
        started = time.perf_counter()
        DemoService(services.db, services.actor).fill(Country.SI, students=args.students)
        print(f"demo school with {args.students} students: {time.perf_counter() - started:.1f} s")
    from dataclasses import replace

    everyone = replace(services.actor, roles=frozenset(Role))
    services = Services(services.db, everyone)

    started = time.perf_counter()
    first = services.today.gather()
    cold = time.perf_counter() - started
    times = []
    for _ in range(10):
        started = time.perf_counter()
        listed = services.today.gather()
        times.append(time.perf_counter() - started)
    print(f"{len(first.items)} rows on {first.today}, {listed.overdue} overdue")
    line("gather, first call (areas imported)", cold)
    line("gather, median of 10", statistics.median(times))

    from PySide6.QtWidgets import QApplication

    from desktop.ui.tabs.today import TodayTab

    qapp = QApplication.instance() or QApplication([])
    school = services.school.require_school()
    tab_times = []
    for _ in range(5):
        done: list[float] = []
        started = time.perf_counter()
        tab = TodayTab(services, school)
        tab.loaded.connect(lambda done=done: done.append(time.perf_counter()))
        tab.show()
        while not done:
            qapp.processEvents()
        tab_times.append(done[0] - started)
        tab.close()
        tab.deleteLater()
    line("Today tab: built, loaded, shown (first)", tab_times[0])
    line("Today tab: median of 5", statistics.median(tab_times))
    services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
