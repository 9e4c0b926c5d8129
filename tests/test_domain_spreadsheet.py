"""Export cells are never run as formulas, whatever the reader's list separator; import undoes
the guard exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.spreadsheet import guard_cell, unguard_cell


@pytest.mark.parametrize(
    ("cell", "guarded"),
    [
        ("Tamm", "Tamm"),
        ("5.a", "5.a"),
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+372 5123 4567", "'+372 5123 4567"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("5.a;=1+1", "'5.a;=1+1"),  # split at ';' by an Estonian or Slovenian Excel
        ("a, =1+1", "'a, =1+1"),
        ("Mari-Liis", "Mari-Liis"),  # a hyphen inside a name is no formula
        ("a;b", "a;b"),
        ("'quoted", "'quoted"),
    ],
)
def test_guard(cell, guarded):
    assert guard_cell(cell) == guarded


@given(st.text())
def test_import_undoes_the_exports_guard(text):
    assert unguard_cell(guard_cell(text)) == text
