"""Catalogues, the UI language hook, and per-language formatting."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import desktop.i18n as i18n
from desktop.i18n import (
    DOMAIN,
    LANGUAGES,
    LOCALE_DIR,
    UnsupportedLanguage,
    normalize_language,
    translator,
)
from desktop.i18n.__main__ import POT, main, read_catalog, source_messages

NBSP = "\u00a0"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh_catalogues(monkeypatch):
    """Forget loaded catalogues (and the 'fallback logged' flag) for the test and after it."""
    i18n._translator.cache_clear()
    monkeypatch.setattr(i18n, "_fallback_logged", False)
    yield
    i18n._translator.cache_clear()


@pytest.fixture
def ui_language_restored():
    before = i18n.ui_language()
    yield
    i18n.set_ui_language(before)


# --- languages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [("sl", "sl"), ("SL", "sl"), ("sl_SI", "sl"), ("sl-SI", "sl"), (" et ", "et"), ("en_GB", "en")],
)
def test_normalize_language(given, expected):
    assert normalize_language(given) == expected


@pytest.mark.parametrize("bad", ["de", "", "slovenian", None, 5])
def test_unsupported_language_is_refused(bad):
    with pytest.raises(UnsupportedLanguage):
        translator(bad)


def test_translations_per_language():
    msg = "Page %(page)d of %(pages)d"
    args = {"page": 2, "pages": 3}
    assert translator("sl").gettext(msg) % args == "Stran 2 od 3"
    assert translator("et").gettext(msg) % args == "Lk 2/3"
    assert translator("en").gettext(msg) % args == "Page 2 of 3"
    assert translator("sl").gettext("Signature") == "Podpis"
    assert translator("et").gettext("Signature") == "Allkiri"
    assert translator("et")._("Provider") == "Teenuse osutaja"


def test_unknown_message_falls_back_to_the_source_text():
    assert translator("sl").gettext("No such message, surely") == "No such message, surely"


def test_plural_forms_follow_the_language():
    # Slovenian has four plural forms (1, 2, 3–4, 5+); the catalogue header must say so.
    assert translator("sl").catalog.plural(1) == 0
    assert translator("sl").catalog.plural(2) == 1
    assert translator("sl").catalog.plural(4) == 2
    assert translator("sl").catalog.plural(5) == 3
    assert translator("et").catalog.plural(1) == 0
    assert translator("et").catalog.plural(2) == 1


# --- formatting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "day", "expected"),
    [
        ("sl", date(2026, 11, 22), "22. 11. 2026"),
        ("sl", date(2026, 3, 5), "5. 3. 2026"),
        ("et", date(2026, 11, 22), "22.11.2026"),
        ("et", date(2026, 3, 5), "05.03.2026"),
        ("en", date(2026, 11, 22), "22 Nov 2026"),
    ],
)
def test_format_date(lang, day, expected):
    # Spaces inside a date are no-break spaces so the date never splits across lines.
    assert translator(lang).format_date(day) == expected.replace(" ", NBSP)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("sl", "22. novembra 2026"), ("et", "22. november 2026"), ("en", "22 November 2026")],
)
def test_format_date_long(lang, expected):
    assert translator(lang).format_date(date(2026, 11, 22), "long") == expected.replace(" ", NBSP)


def test_format_datetime_uses_the_given_zone():
    instant = datetime(2026, 11, 22, 13, 5, tzinfo=UTC)
    ljubljana = ZoneInfo("Europe/Ljubljana")
    assert translator("sl").format_datetime(instant, ljubljana) == f"22.{NBSP}11.{NBSP}2026 14:05"
    assert (
        translator("et").format_datetime(instant, ZoneInfo("Europe/Tallinn")) == "22.11.2026 15:05"
    )
    naive = datetime(2026, 11, 22, 13, 5)  # taken as UTC
    assert translator("et").format_datetime(naive) == "22.11.2026 13:05"


@pytest.mark.parametrize(
    ("lang", "cents", "expected"),
    [
        ("sl", 1250, "12,50 €"),
        ("et", 1250, "12,50 €"),
        ("en", 1250, "€12.50"),
        ("sl", 500, "5,00 €"),
        ("sl", 0, "0,00 €"),
        ("sl", 123456789, "1.234.567,89 €"),
        ("et", 123456789, "1 234 567,89 €"),
        ("en", 123456789, "€1,234,567.89"),
        ("sl", -410, "-4,10 €"),
    ],
)
def test_format_money(lang, cents, expected):
    assert translator(lang).format_money(cents) == expected.replace(" ", NBSP)


@pytest.mark.parametrize("bad", [12.5, Decimal("12.50"), "1250", True])
def test_money_is_integer_cents_only(bad):
    with pytest.raises(TypeError):
        translator("sl").format_money(bad)


def test_format_number():
    assert translator("sl").format_number(1234.5) == "1.234,5"
    assert translator("et").format_number(1234.5) == f"1{NBSP}234,5"
    assert translator("en").format_number(1234.5) == "1,234.5"
    assert translator("sl").format_number(Decimal("22"), decimals=2) == "22,00"
    assert translator("en").format_number(7, decimals=0) == "7"


# --- the UI language ----------------------------------------------------------------------


def test_set_ui_language_switches_gettext_and_notifies(ui_language_restored):
    heard = []
    i18n.add_ui_language_listener(heard.append)
    try:
        i18n.set_ui_language("sl_SI")
        assert i18n.ui_language() == "sl"
        assert i18n._("Signature") == "Podpis"
        assert i18n.ui_translator().language == "sl"
        i18n.set_ui_language("sl")  # no change: no notification
        i18n.set_ui_language("et")
        assert i18n.gettext("Signature") == "Allkiri"
        assert heard == ["sl", "et"]
    finally:
        i18n.remove_ui_language_listener(heard.append)


def test_set_ui_language_refuses_unknown_and_keeps_the_old(ui_language_restored):
    i18n.set_ui_language("et")
    with pytest.raises(UnsupportedLanguage):
        i18n.set_ui_language("de")
    assert i18n.ui_language() == "et"


def test_n_marks_without_translating():
    assert i18n.N_("Signature") == "Signature"


# --- catalogues on disk -------------------------------------------------------------------


def _copy_po_only(tmp_path: Path) -> Path:
    root = tmp_path / "locale"
    for lang in LANGUAGES:
        src = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        dest = root / lang / "LC_MESSAGES"
        dest.mkdir(parents=True)
        shutil.copy(src, dest)
    return root


def test_missing_mo_is_compiled_in_memory_and_logged_once(
    tmp_path, monkeypatch, caplog, fresh_catalogues
):
    monkeypatch.setattr(i18n, "LOCALE_DIR", _copy_po_only(tmp_path))
    with caplog.at_level(logging.INFO, logger="desktop.i18n"):
        assert translator("sl").gettext("Signature") == "Podpis"
        assert translator("et").gettext("Signature") == "Allkiri"
    fallback = [r for r in caplog.records if "in memory" in r.getMessage()]
    assert len(fallback) == 1


def test_compiled_mo_is_used_without_fallback(tmp_path, monkeypatch, caplog, fresh_catalogues):
    from desktop.i18n.compile import compile_catalogs

    root = _copy_po_only(tmp_path)
    monkeypatch.setattr(i18n, "LOCALE_DIR", root)
    compile_catalogs(root)
    # The test copies are fresh: make the .mo files clearly newer than the .po files.
    for mo in root.glob("*/LC_MESSAGES/*.mo"):
        po = mo.with_suffix(".po")
        stat = po.stat()
        os.utime(po, (stat.st_atime - 10, stat.st_mtime - 10))
    with caplog.at_level(logging.INFO, logger="desktop.i18n"):
        assert translator("sl").gettext("Signature") == "Podpis"
    assert not [r for r in caplog.records if "in memory" in r.getMessage()]


def test_missing_catalogue_fails_loudly(tmp_path, monkeypatch, fresh_catalogues):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    with pytest.raises(FileNotFoundError):
        translator("sl")


# %(name)s for gettext-style, {name} for str.format-style messages
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}")


def _placeholders(text: str) -> list[str]:
    return sorted("".join(groups) for groups in _PLACEHOLDER.findall(text))


@pytest.mark.parametrize("lang", ["et", "sl"])
def test_catalogue_is_complete_and_placeholders_match(lang):
    """Every message of the .pot is translated (after `extract` + `update`, translate the new).

    A plural message has one form per plural class of the language (Slovenian: four), each
    with the placeholders of the English plural.
    """
    pot = read_catalog(POT)
    po = read_catalog(LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po", lang)
    for message in pot:
        if not message.id:
            continue
        translated = po.get(message.id)
        assert translated is not None, f"{lang}: {message.id!r} missing: run update"
        assert not translated.fuzzy, f"{lang}: {message.id!r} is fuzzy"
        if isinstance(message.id, tuple):
            forms, english = translated.string, message.id[1]
            assert isinstance(forms, tuple), f"{lang}: {message.id!r} is not a plural entry"
            assert len(forms) == po.num_plurals, f"{lang}: {message.id!r} needs every form"
        else:
            forms, english = (translated.string,), message.id
        for form in forms:
            assert form, f"{lang}: {message.id!r} untranslated"
            assert _placeholders(form) == _placeholders(english), (
                f"{lang}: placeholders differ in {message.id!r}"
            )


def test_every_message_is_translated_into_estonian_and_slovenian(capsys):
    """The UI, the domain's error reasons and the documents: `check` finds nothing missing.

    When this fails: `python -m desktop.i18n extract && python -m desktop.i18n update`, then
    translate what `python -m desktop.i18n check` lists (or `add` a JSON file with them).
    """
    assert main(["check"]) == 0, capsys.readouterr().out
    assert capsys.readouterr().out.strip() == "catalogues are complete"


def test_ui_plurals_follow_the_language():
    message = ("{total} student", "{total} students")
    assert translator("sl").ngettext(*message, 1).format(total=1) == "1 učenec"
    assert translator("sl").ngettext(*message, 2).format(total=2) == "2 učenca"
    assert translator("sl").ngettext(*message, 3).format(total=3) == "3 učenci"
    assert translator("sl").ngettext(*message, 5).format(total=5) == "5 učencev"
    assert translator("sl").ngettext(*message, 101).format(total=101) == "101 učenec"
    assert translator("et").ngettext(*message, 1).format(total=1) == "1 õpilane"
    assert translator("et").ngettext(*message, 7).format(total=7) == "7 õpilast"


def test_a_reason_with_values_stays_english_and_translates_later():
    """N_(template, **values): English for the CLI and logs, translatable by the UI."""
    reason = i18n.N_("is longer than {limit} characters", limit=80)
    assert reason == "is longer than 80 characters"
    assert f"row 3: First name: x: {reason}" == "row 3: First name: x: is longer than 80 characters"
    assert translator("et").gettext(reason) == "on pikem kui 80 märki"
    assert translator("sl").gettext(reason) == "ima več kot 80 znakov"
    assert translator("en").gettext(reason) == "is longer than 80 characters"
    assert i18n.N_("is required") == "is required"
    assert type(i18n.N_("is required")) is str


def test_every_document_message_is_in_the_catalogue():
    """Printed documents must never fall back to English: their messages are all catalogued.

    When this fails: `python -m desktop.i18n extract && python -m desktop.i18n update`, then
    translate the new entries in the et and sl .po files. (`python -m desktop.i18n check` does
    the same check for the whole package, UI included.)
    """
    pot = {m.id for m in read_catalog(POT) if m.id}
    for folder in ("documents", "i18n"):
        missing = set(source_messages(REPO / "desktop" / folder)) - pot
        assert not missing, f"not in {POT.name}: {sorted(missing)}"


def test_check_command_finds_every_document_message(capsys):
    assert main(["nonsense"]) == 2
    capsys.readouterr()
    main(["check"])  # the UI may have new messages; the documents' must all be there
    out = capsys.readouterr().out
    assert not [line for line in out.splitlines() if "(documents/" in line or "(i18n/" in line]


def test_importing_i18n_does_not_import_babel():
    """Start-up time: Babel loads on the first formatted date or missing catalogue only."""
    code = "import sys, desktop.i18n; assert 'babel' not in sys.modules, 'babel imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
