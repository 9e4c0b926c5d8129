"""Catalogue maintenance for developers: ``python -m desktop.i18n extract|update|compile``.

extract  sources → desktop/i18n/locale/school_office.pot (mapping in babel.cfg at the repo root)
update   merge the .pot into each language's .po (then translate the new entries)
compile  .po → .mo next to them (what setup.py does for ``pip install -e .``)
"""

from __future__ import annotations

import sys
from pathlib import Path

from desktop import __version__
from desktop.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, compile_po

REPO = LOCALE_DIR.parents[2]
POT = LOCALE_DIR / f"{DOMAIN}.pot"


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", *args])


def extract() -> None:
    _pybabel(
        "extract",
        "--mapping-file", str(REPO / "babel.cfg"),
        "--output-file", str(POT),
        "--project", "School Office",
        "--version", __version__,
        "--msgid-bugs-address", "",
        "--copyright-holder", "School Office",
        "--no-location",  # line numbers would churn the .pot on every edit
        "--sort-output",
        "--no-wrap",
        str(REPO / "desktop"),
    )  # fmt: skip


def update() -> None:
    _pybabel("update", "--input-file", str(POT), "--output-dir", str(LOCALE_DIR),
             "--domain", DOMAIN, "--no-wrap", "--ignore-obsolete", "--no-fuzzy-matching")  # fmt: skip


def compile_all(root: Path = LOCALE_DIR) -> list[Path]:
    written = []
    for lang in LANGUAGES:
        po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = root / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        mo.write_bytes(compile_po(po, lang))
        written.append(mo)
    return written


def main(argv: list[str]) -> int:
    commands = {"extract": extract, "update": update, "compile": compile_all}
    if len(argv) != 1 or argv[0] not in commands:
        print(__doc__)
        return 2
    commands[argv[0]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
