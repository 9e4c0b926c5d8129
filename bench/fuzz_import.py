"""Fuzz the edges: roster rows through the import's read/check path, bad arguments through the CLI.

    .venv/bin/python bench/fuzz_import.py [--rows 10000] [--arguments 200] [--seed 13]

Part 1 writes random roster rows (any Unicode, control characters, NULs, very long cells,
numbers and dates as a spreadsheet gives them) into CSV files in several encodings, damages
some of them (stray bytes, cut-off ends), and reads and checks each: the app's own errors
(SchoolOfficeError) are the expected answer, anything else is a traceback. A sample of the
files also goes through `school-office roster import --dry-run` end to end.
Part 2 runs `school-office …` in-process with bad arguments (amounts, dates, prices, files,
database addresses) and counts tracebacks, zero exits and messages longer than one line.
The result that matters is the last line: tracebacks must be 0.

The cell texts and the damaged CSV files come from tests/bad_input_generators.py, which the
fuzz tests use too, so this needs the test extra installed (`pip install -e .[test]`).
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import io
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import scratch  # noqa: E402
from tests.bad_input_generators import (  # noqa: E402
    DELIMITERS,
    ENCODINGS,
    OTHER_HEADERS,
    SAMPLES,
    damaged_csv,
)


def random_text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return rng.choice(SAMPLES)
    if kind < 0.75:
        return "".join(chr(rng.randint(0x20, 0x2FF)) for _ in range(rng.randint(0, 20)))
    if kind < 0.9:
        return "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(rng.randint(0, 8))).replace(
            "\ud800", ""
        )
    if kind < 0.97:
        return "".join(chr(rng.randint(0, 0x1F)) for _ in range(rng.randint(1, 4)))
    return rng.choice("AŽõ") * rng.choice([300, 5_000, 140_000])


def random_cell(rng: random.Random) -> object:
    """As a spreadsheet hands cells over: mostly text, sometimes numbers, dates, None."""
    from datetime import date, datetime

    kind = rng.random()
    if kind < 0.85:
        return random_text(rng)
    return rng.choice(
        [
            None,
            True,
            rng.randint(-(10**15), 10**15),
            rng.uniform(-1e12, 1e12),
            float("nan"),
            float("inf"),
            date(rng.randint(1, 9999), rng.randint(1, 12), rng.randint(1, 28)),
            datetime(rng.randint(1, 9999), 1, 1, rng.randint(0, 23)),
        ]
    )


def random_csv(rng: random.Random, rows: list[list[str]]) -> bytes:
    from desktop.domain.roster_import import COLUMNS

    header = list(COLUMNS) if rng.random() < 0.7 else rng.sample([*COLUMNS, *OTHER_HEADERS], 6)
    junk = [
        (rng.randint(0, 10**6), bytes(rng.randint(0x80, 0xFF) for _ in range(rng.randint(1, 2))))
        for _ in range(rng.choice([0, 0, 1, 3]))
    ]
    cut_at = rng.randint(0, 10**6) if rng.random() < 0.15 else None
    return damaged_csv(header, rows, rng.choice(DELIMITERS), rng.choice(ENCODINGS), junk, cut_at)


class Tally:
    def __init__(self) -> None:
        self.tracebacks: list[str] = []
        self.refusals: Counter[str] = Counter()

    def traceback(self, what: str, exc: BaseException) -> None:
        if len(self.tracebacks) < 5:
            print(f"TRACEBACK for {what}:", file=sys.stderr)
            traceback.print_exception(exc, file=sys.stderr)
        self.tracebacks.append(what)


def fuzz_rows(rng: random.Random, count: int, folder: Path, url: str, tally: Tally) -> int:
    from desktop.cli import main
    from desktop.domain.errors import SchoolOfficeError
    from desktop.domain.roster_import import parse_rows
    from desktop.services.tabular import _read_csv

    done = files = 0
    while done < count:
        size = rng.randint(1, 60)
        rows = [[random_text(rng) for _ in range(rng.randint(0, 13))] for _ in range(size)]
        done += size
        files += 1
        data = random_csv(rng, rows)
        country = rng.choice(["EE", "SI"])
        try:
            header, cells = _read_csv(data, country, "fuzz.csv")
            parse_rows(header, cells, country)
        except SchoolOfficeError as exc:
            tally.refusals[type(exc).__name__] += 1
        except Exception as exc:
            tally.traceback(f"CSV file {files}", exc)
        spreadsheet = [[random_cell(rng) for _ in range(rng.randint(0, 13))] for _ in rows]
        try:
            parse_rows([random_cell(rng) for _ in range(11)], spreadsheet, country)
            parse_rows(rows[0] if rows else [], spreadsheet, country)
        except SchoolOfficeError as exc:
            tally.refusals[type(exc).__name__] += 1
        except Exception as exc:
            tally.traceback(f"spreadsheet cells {files}", exc)
        if files % 25 == 1:  # end to end, through the command line
            path = folder / f"fuzz-{files}.csv"
            path.write_bytes(data)
            run_cli(main, ["--database", url, "roster", "import", str(path), "--dry-run"], tally)
    return files


def bad_arguments(rng: random.Random, count: int, folder: Path) -> list[list[str]]:
    amounts = ["NaN", "Infinity", "-Infinity", "sNaN", "1e3", "1E3", "1e-2", "1_000", "١٢",
               "１２", "-1", "0", "0,00", "12,345", "1.000,00", "", " ", "20.", ",5", "1" * 40,
               "10000000", "0x10", "½", "20 €€", "€", "2O", "\x00"]  # fmt: skip
    days = ["9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01", "20260101", "yesterday",
            "2026-1-1", "", "1899-12-31", "2200-01-01", "٢٠٢٦-٠١-٠١"]  # fmt: skip
    prices = ["2026/27=abc", "2026/27=-1", "2026/27=NaN", "2026/27=", "=20", "2026=20",
              "2026/28=20", "9999/00=20", "abc", "2026/27=1e3", "２０２６/27=20"]  # fmt: skip
    files = {
        "folder": folder,
        "utf16": folder / "u16.csv",
        "long": folder / "long.csv",
        "stray": folder / "stray.csv",
        "cut": folder / "cut.xlsx",
        "missing": folder / "missing.csv",
    }
    header = "first_name;last_name;personal_code;class\n"
    files["utf16"].write_bytes(
        codecs.BOM_UTF16_LE + (header + "Ana;Novak;1;1.a\n").encode("utf-16-le")[:-1]
    )
    files["long"].write_text(header + "A" * 200_000 + ";B;1;1.a\n", encoding="utf-8")
    files["stray"].write_bytes(header.encode() + b"Nata\xc5a;Novak;1;1.a\n")
    files["cut"].write_bytes(b"PK\x03\x04" + bytes(rng.randint(0, 255) for _ in range(500)))
    urls = ["postgresql://u@localhost:notaport/db", "mysql://x/y", "sqlite:///", "nonsense"]
    makers = [
        lambda: ["billing", "pay", "--reference", "SI12 1", "--amount", rng.choice(amounts)],
        lambda: ["billing", "pay", "--student", "1", "--amount", rng.choice(amounts)],
        lambda: ["billing", "setup", "--price", rng.choice(prices)],
        lambda: ["daily", "--today", rng.choice(days)],
        lambda: ["--today", rng.choice(days), "billing", "list"],
        lambda: ["billing", "list", "--on", rng.choice(days)],
        lambda: ["billing", "cancel", "--student", "1", "--received", rng.choice(days)],
        lambda: ["consent", "status", "--student", "1", "--on", rng.choice(days)],
        lambda: ["print", "terms", "--document", "X", "--on", rng.choice(days), "--out", "x.pdf"],
        lambda: ["roster", "import", str(rng.choice(list(files.values())))],
        lambda: ["roster", "export", str(folder / "no" / "such" / "folder.csv")],
        lambda: ["roster", "export", str(folder)],
        lambda: ["--database", rng.choice(urls), "billing", "list"],
        lambda: ["cards", "list", "--student", random_text(rng) or "x"],
        lambda: ["no-such-command"],
    ]
    return [rng.choice(makers)() for _ in range(count)]


def run_cli(main, argv: list[str], tally: Tally, *, must_fail: bool = False) -> None:
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except BaseException as exc:
        tally.traceback(" ".join(argv)[:120], exc)
        return
    text = out.getvalue() + err.getvalue()
    if "Traceback" in text:
        tally.tracebacks.append(" ".join(argv)[:120])
    if must_fail:
        lines = [line for line in err.getvalue().splitlines() if line.strip()]
        if code == 0:
            tally.refusals["ACCEPTED (exit 0)"] += 1
            print(f"accepted: {argv}", file=sys.stderr)
        elif len(lines) != 1:
            tally.refusals["not one line"] += 1
            print(f"{len(lines)} lines for {argv}: {err.getvalue()!r}", file=sys.stderr)
        else:
            tally.refusals[f"exit {code}"] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--arguments", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    home = scratch("fuzz_import")
    url = f"sqlite:///{(home / 'fuzz.sqlite3').as_posix()}"
    from desktop.cli import main as cli

    with contextlib.redirect_stdout(io.StringIO()):
        if cli(["--database", url, "demo", "--country", "SI", "--students", "40"]) != 0:
            print("could not create the demo school", file=sys.stderr)
            return 2
    rows_tally, args_tally = Tally(), Tally()
    start = time.perf_counter()
    files = fuzz_rows(rng, options.rows, home, url, rows_tally)
    rows_time = time.perf_counter() - start
    start = time.perf_counter()
    arguments = bad_arguments(rng, options.arguments, home)
    for argv in arguments:
        run_cli(cli, ["--database", url, *argv] if argv[0] != "--database" else argv,
                args_tally, must_fail=True)  # fmt: skip
    args_time = time.perf_counter() - start
    print(
        f"rows: {options.rows} in {files} files, {rows_time:.1f} s; refused files/row sets: "
        f"{sum(rows_tally.refusals.values())}; tracebacks: {len(rows_tally.tracebacks)}"
    )
    print(
        f"bad arguments: {len(arguments)}, {args_time:.1f} s; outcomes: "
        f"{dict(sorted(args_tally.refusals.items()))}; tracebacks: {len(args_tally.tracebacks)}"
    )
    total = len(rows_tally.tracebacks) + len(args_tally.tracebacks)
    accepted = args_tally.refusals["ACCEPTED (exit 0)"] + args_tally.refusals["not one line"]
    print(f"tracebacks: {total}")
    return 1 if total or accepted else 0


if __name__ == "__main__":
    sys.exit(main())
