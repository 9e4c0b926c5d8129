"""Bad roster files, made one way for the fuzz tests (tests/test_bad_inputs.py, hypothesis) and
the long fuzz run (bench/fuzz_import.py, random.Random): the awkward cell texts, the headers,
and a CSV file written in some encoding and then damaged.

Needs the test extra (hypothesis), also when bench/fuzz_import.py imports it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from hypothesis import strategies as st

from desktop.domain.roster_import import COLUMNS

# Texts a roster file really brings: accents, mojibake, codes, dates in several forms, words
# the importer reads, formula injection, control characters, direction marks, very long digits.
SAMPLES = (
    "",
    " ",
    "Nataša",
    "Čeh",
    "Jõgi",
    "Õun",
    "NataĹˇa",
    "ÄŚeh",
    "0101006500006",
    "38001085718",
    "50101010006",
    "2012-05-17",
    "17.05.2012",
    "17. 5. 2012",
    "31.02.2012",
    "1.a",
    "left",
    "enrolled",
    "graduated",
    "et",
    "sl",
    "x@example.ee",
    "+372 5555 5555",
    "=cmd|'/c calc'!A1",
    "'=1",
    "\x00",
    "a\x00b",
    "\r\n",
    "\u202e",
    "\ufeff",
    "9" * 30,
    "ǅ",
    "𝔄𝔫𝔞",
)
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1250", "cp1257")
DELIMITERS = (";", ",", "\t")
# Headers besides the importer's own: other names for the columns, and none at all.
OTHER_HEADERS = ("Eesnimi", "EMŠO", "Priimek", "Razred", "x", "")


def damaged_csv(
    header: Sequence[object],
    rows: Sequence[Sequence[object]],
    delimiter: str,
    encoding: str,
    junk: Sequence[tuple[int, bytes]] = (),
    cut_at: int | None = None,
) -> bytes:
    """The rows as a CSV file in `encoding`, then `junk` bytes put in at their positions and the
    end cut off at `cut_at` (positions wrap around the file's length)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    data = bytearray(buffer.getvalue().encode(encoding, errors="replace"))
    for position, extra in junk:
        at = position % (len(data) + 1)
        data[at:at] = extra
    if cut_at is not None and data:
        del data[cut_at % len(data) :]
    return bytes(data)


# ---- hypothesis -------------------------------------------------------------------------------

text_cell = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(max_size=30),
    st.text(st.characters(max_codepoint=0x1F), max_size=4),
    st.sampled_from([300, 5_000]).map(lambda n: "Ž" * n),
)
text_row = st.lists(text_cell, max_size=13)
header_row = st.one_of(
    st.just(list(COLUMNS)),
    st.lists(st.sampled_from([*COLUMNS, *OTHER_HEADERS]), max_size=12),
)


@st.composite
def csv_bytes(draw) -> bytes:
    return damaged_csv(
        draw(header_row),
        draw(st.lists(text_row, max_size=6)),
        draw(st.sampled_from(DELIMITERS)),
        draw(st.sampled_from(ENCODINGS)),
        draw(
            st.lists(
                st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=3)), max_size=3
            )
        ),
        draw(st.none() | st.integers(0, 10**6)),
    )
