"""The two pages a newcomer reads first point at files that exist (docs/rules.md and
docs/architecture.md name a module for every rule and every step)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATH = re.compile(r"`((?:desktop|tests|bench|installer|resources)/[\w./-]*)`")


@pytest.mark.parametrize("page", ["docs/rules.md", "docs/architecture.md"])
def test_every_path_a_page_names_exists(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    named = {m.group(1).rstrip(".") for m in PATH.finditer(text)}
    assert named, "the page names no path: the pattern is out of date"
    missing = sorted(p for p in named if "*" not in p and not (ROOT / p).exists())
    assert not missing
