"""Cells that a spreadsheet must show as text, never run as a formula (CSV/XLSX export).

A cell that starts with = + - @ (or a tab or CR) is a formula to Excel and LibreOffice. So is
a part of a cell after a list separator: a CSV written with commas and opened where ";" is the
list separator (the Estonian and Slovenian default) splits "5.a;=1+1" into two cells. Such a
cell gets a leading apostrophe, which spreadsheets hide and our own import removes again.
"""

from __future__ import annotations

import re

# The one list of formula triggers: = + - @ where a cell or a part of it starts, a tab or CR at
# the very start.
_RISKY = re.compile(r"(?:^|[;,\t|])\s*[=+\-@]|^[\t\r]")


def guard_cell(text: str) -> str:
    return "'" + text if _RISKY.search(text) else text


def unguard_cell(text: str) -> str:
    """Undo guard_cell: the apostrophe is removed only where guard_cell would have put it."""
    if text.startswith("'") and guard_cell(text[1:]) == text:
        return text[1:]
    return text
