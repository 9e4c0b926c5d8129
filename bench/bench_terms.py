"""Printing through the services: a terms PDF from click to file, and 1,000 letters in a batch.

    .venv/bin/python bench/bench_terms.py [--letters 1000] [--database URL]

1. A single terms PDF "from click to file": TermsService.print_in_force (school and version
   lookups, numbering and recording in the database, layout, PDF) + save_atomic. Measured for
   the first print in the process (reportlab imported, fonts registered on first use) and as the
   median of the following ones. Target: ≤ 0.3 s.
2. 1,000 personalised one-page letters through DocumentService.produce_batch (1,000 numbers
   reserved and recorded, one PDF) against the same pages drawn with reportlab's bare canvas
   (bench_letters.floor_canvas, the floor). Target: ≤ 5 s.

The database is a fresh SQLite file with the Slovenian demo school (or --database, emptied of
nothing: give it a scratch database). PDFs go to bench/out/terms/ for a look.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_letters import floor_canvas, make_letters  # noqa: E402
from bench.common import report, scratch  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--database", help="default: a new SQLite file under bench/out/terms")
    args = parser.parse_args()
    home = scratch("terms")
    url = args.database or f"sqlite:///{home / 'bench.sqlite3'}"

    from desktop.documents import build_letters, save_atomic
    from desktop.domain.roster import Country
    from desktop.services.container import open_services
    from desktop.services.demo import DemoService
    from desktop.services.documents import DocumentRequest

    services = open_services(url)
    if services.school.get() is None:
        DemoService(services.db, services.actor).fill(Country.SI, students=200)
    out = home / "terms.pdf"

    # 1. one terms PDF, click to file
    times = []
    for _ in range(11):
        started = time.perf_counter()
        printed = services.terms.print_in_force("SI-POPOLNI-TERMS", date(2025, 9, 2), "sl")
        save_atomic(printed.pdf, out)
        times.append(time.perf_counter() - started)
    first, warm = times[0], statistics.median(times[1:])
    pages = len(re.findall(rb"/Type /Page\b(?!s)", printed.pdf))
    print(f"terms PDF ({pages} pages, {len(printed.pdf) / 1e3:.0f} kB) → {out}")
    print(f"  first in the process : {first * 1000:6.0f} ms   (target ≤ 300 ms)")
    print(f"  median of next 10    : {warm * 1000:6.0f} ms   (target ≤ 300 ms)")

    # 2. 1,000 personalised letters through produce_batch vs the bare canvas
    n = args.letters
    letters = make_letters(n)
    specs = [spec for spec, _fields in letters]
    floor_canvas(letters[:5])  # warm up both paths
    build_letters(specs[:5])
    started = time.perf_counter()
    floor = floor_canvas(letters)
    t_floor = time.perf_counter() - started
    requests = [DocumentRequest("bench-letter", spec.subject, "sl") for spec in specs]

    def build(infos, progress, cancel) -> bytes:
        personal = [replace(spec, info=info) for spec, info in zip(specs, infos, strict=True)]
        return build_letters(personal, progress, cancel)

    started = time.perf_counter()
    produced = services.documents.produce_batch(requests, build)
    save_atomic(produced.pdf, home / "letters.pdf")
    t_batch = time.perf_counter() - started
    print(
        f"{n} one-page letters: produce_batch {t_batch:.2f} s ({n / t_batch:.0f} pages/s, "
        f"{len(produced.pdf) / 1e6:.1f} MB, ids {produced.document_ids[0]}…"
        f"{produced.document_ids[-1]}); bare canvas {t_floor:.2f} s "
        f"({len(floor) / 1e6:.1f} MB)"
    )
    report(f"{n} letters via produce_batch (+ save)", t_batch, t_floor, target=5.0)
    services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
