"""Helpers shared by the benchmarks: scratch folders and timing."""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def scratch(name: str) -> Path:
    """A fresh folder under bench/out (git-ignored); settings and logs stay in it too."""
    root = Path(__file__).with_name("out") / name
    root.mkdir(parents=True, exist_ok=True)
    os.environ["SCHOOL_OFFICE_HOME"] = str(Path(tempfile.mkdtemp(dir=root)))
    return Path(os.environ["SCHOOL_OFFICE_HOME"])


@contextmanager
def timed(results: dict[str, float], key: str):
    start = time.perf_counter()
    yield
    results[key] = time.perf_counter() - start


def report(title: str, ours: float, floor: float, target: float | None = None) -> None:
    ratio = ours / floor if floor else float("inf")
    goal = f"  (target ≤ {target:.2f} s: {'ok' if ours <= target else 'MISSED'})" if target else ""
    print(f"{title:<44} {ours:8.3f} s   floor {floor:8.3f} s   ratio {ratio:5.1f}x{goal}")
