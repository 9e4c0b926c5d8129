"""Catalogue maintenance: ``python -m desktop.i18n extract|update|compile|check``.

extract  sources → desktop/i18n/locale/school_office.pot (mapping in babel.cfg at the repo root)
update   merge the .pot into each language's .po (then translate the new entries)
compile  .po → .mo next to them (what setup.py does for ``pip install -e .``)
check    list messages missing from the .pot and untranslated et/sl entries; exit 1 if any
add F    add or update translations from a JSON file {"msgid": {"et": "…", "sl": "…", "en": "…"}}
         (several people may run it at once: the catalogues are locked while it writes)
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from desktop import __version__
from desktop.i18n import DOMAIN, LANGUAGES, LOCALE_DIR
from desktop.i18n.compile import compile_catalogs

REPO = LOCALE_DIR.parents[2]
POT = LOCALE_DIR / f"{DOMAIN}.pot"
# Babel's default keywords (_, gettext, ngettext, N_, ...) and the UI's n_(singular, plural, n).
# Nn_(singular, plural, n, **values) marks a domain reason that shows a count.
EXTRA_KEYWORDS = {"n_": (1, 2), "Nn_": (1, 2)}


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", *args])


def extract() -> None:
    _pybabel(
        "extract",
        "--mapping-file",
        str(REPO / "babel.cfg"),
        "--output-file",
        str(POT),
        "--project",
        "School Office",
        "--version",
        __version__,
        "--copyright-holder",
        "School Office",
        "--no-location",  # line numbers would churn the .pot on every edit
        "--sort-output",
        "--no-wrap",
        *(f"--keyword={name}:{','.join(map(str, spec))}" for name, spec in EXTRA_KEYWORDS.items()),
        str(REPO / "desktop"),
    )


def update() -> None:
    _pybabel(
        "update",
        "--input-file",
        str(POT),
        "--output-dir",
        str(LOCALE_DIR),
        "--domain",
        DOMAIN,
        "--no-wrap",
        "--ignore-obsolete",
        "--no-fuzzy-matching",
    )


def source_messages(folder: Path = REPO / "desktop") -> dict[str, list[str]]:
    """msgid → the files that use it, as `extract` would find them."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (REPO / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, list[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(folder), method_map, options_map, keywords={**DEFAULT_KEYWORDS, **EXTRA_KEYWORDS}
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, []).append(filename)
    return found


def read_catalog(path: Path, lang: str | None = None):
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@contextlib.contextmanager
def catalogue_lock() -> Iterator[None]:
    """An exclusive lock on the catalogues: read-modify-write must not interleave."""
    lock_path = LOCALE_DIR / ".lock"
    with lock_path.open("a") as handle:
        if os.name == "posix":
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _write_catalog(catalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as f:
        write_po(f, catalog, width=0, sort_output=True, omit_header=False, ignore_obsolete=True)
    tmp.replace(path)


def _message_id(msgid: str, translations: dict) -> str | tuple[str, str]:
    plural = translations.get("plural")
    return (msgid, plural) if plural else msgid


def _translation(msgid: str, translations: dict, lang: str) -> str | tuple[str, ...]:
    """The entry's text in ``lang``; a plural entry gives one form per plural class."""
    text = translations.get(lang)
    if lang == "en" and not text:
        plural = translations.get("plural")
        text = [msgid, plural] if plural else msgid
    if isinstance(text, list):
        return tuple(text) if all(text) else ""
    return text or ""


def add(path: Path) -> int:
    """Add translated messages without touching anyone else's entries.

    A plural message names its plural msgid and gives a list of forms per language:
    ``{"{n} file": {"plural": "{n} files", "et": ["…", "…"], "sl": ["…", "…", "…", "…"]}}``.
    """
    entries: dict[str, dict] = json.loads(path.read_text(encoding="utf-8"))
    with catalogue_lock():
        pot = read_catalog(POT)
        for msgid, translations in entries.items():
            if msgid not in pot:
                pot.add(_message_id(msgid, translations))
        _write_catalog(pot, POT)
        for lang in LANGUAGES:
            po_path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
            po = read_catalog(po_path, lang)
            for msgid, translations in entries.items():
                text = _translation(msgid, translations, lang)
                if not text:
                    continue
                existing = po.get(msgid)
                if existing is None:
                    po.add(_message_id(msgid, translations), text)
                else:
                    existing.string = text
                    existing.flags.discard("fuzzy")
            _write_catalog(po, po_path)
    print(f"added {len(entries)} message(s) to the catalogues")
    return 0


def is_translated(entry, num_plurals: int) -> bool:
    """Not fuzzy, and every form filled: a plural entry has one per plural class."""
    if not isinstance(entry.string, tuple):
        return bool(entry.string) and not entry.fuzzy
    forms = entry.string
    return len(forms) == num_plurals and all(forms) and not entry.fuzzy


def check() -> int:
    problems = []
    pot = {m.id if isinstance(m.id, str) else m.id[0] for m in read_catalog(POT) if m.id}
    for msgid, files in sorted(source_messages().items()):
        if msgid not in pot:
            problems.append(f"not in the .pot (run extract, update): {msgid!r} ({files[0]})")
    for lang in ("et", "sl"):
        po = read_catalog(LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po", lang)
        for msgid in sorted(pot):
            entry = po.get(msgid)
            if entry is None or not is_translated(entry, po.num_plurals):
                problems.append(f"{lang}: untranslated: {msgid!r}")
    print("\n".join(problems) or "catalogues are complete")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    commands = {
        "extract": extract,
        "update": update,
        "compile": lambda: compile_catalogs(LOCALE_DIR),
        "check": check,
    }

    if len(argv) == 2 and argv[0] == "add":
        return add(Path(argv[1]))
    if len(argv) != 1 or argv[0] not in commands:
        print(__doc__)
        return 2
    if argv[0] == "check":
        return check()
    with catalogue_lock():
        commands[argv[0]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
