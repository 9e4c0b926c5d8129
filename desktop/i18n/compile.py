"""Compiling the gettext catalogues (.po → .mo): one implementation for setup.py, for
``python -m desktop.i18n compile`` and for the in-memory fallback when a .mo is missing.

Only the standard library and Babel, and nothing from the app: setup.py loads this file by its
path, in a build environment where the app's dependencies are not installed.
"""

from __future__ import annotations

import io
from pathlib import Path

DOMAIN = "school_office"


def compile_po(po_path: Path, lang: str) -> bytes:
    """The .mo bytes of a .po file (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo  # lazy: start-up pays only for stdlib gettext
    from babel.messages.pofile import read_po

    with po_path.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def compile_catalogs(locale_dir: Path, dest: Path | None = None) -> list[Path]:
    """Every ``<lang>/LC_MESSAGES/school_office.po`` under `locale_dir` compiled to a .mo in the
    same place under `dest` (default: next to the .po). The .mo files written, by language."""
    dest = locale_dir if dest is None else dest
    written = []
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = po.parent.parent.name
        mo = dest / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        tmp = mo.with_suffix(".mo.tmp")  # a running app never reads half a catalogue
        tmp.write_bytes(compile_po(po, lang))
        tmp.replace(mo)
        written.append(mo)
    if not written:
        raise FileNotFoundError(f"no .po catalogues found under {locale_dir}")
    return written
