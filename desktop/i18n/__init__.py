"""Translations and formatting for the UI and the printed documents (et, sl, en).

One gettext domain, ``school_office``, with a catalogue per language in
``locale/<lang>/LC_MESSAGES/school_office.po``. The compiled ``.mo`` files are not committed:
setup.py builds them (into the wheel, or into this folder for ``pip install -e .``). When a
``.mo`` is missing, or older than its ``.po`` in a source checkout, the catalogue is compiled in
memory from the ``.po`` with Babel, and that is logged once.

Documents use ``translator(lang)`` for the recipient's language; the UI uses ``_`` and friends,
which follow ``set_ui_language``. Dates, money and numbers are formatted per language with Babel;
they contain no-break spaces (U+00A0) where a line must not break: ``22.\\xa011.\\xa02026``,
``12,50\\xa0€``.

Babel is imported lazily: start-up only pays for the stdlib ``gettext``.
"""

from __future__ import annotations

import gettext as _gettext
import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path

from desktop.i18n.compile import DOMAIN, compile_po

log = logging.getLogger(__name__)

LANGUAGES = ("et", "sl", "en")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# For a language picker: each language in its own words, so nobody needs a translation to find it.
LANGUAGE_NATIVE_NAMES = {"et": "Eesti", "sl": "Slovenščina", "en": "English"}

# en_IE: an English locale that uses the euro, so money prints as "€12.50".
_BABEL_LOCALES = {"et": "et_EE", "sl": "sl_SI", "en": "en_IE"}
# Explicit numeric patterns: CLDR's "short" uses two-digit years. Slovenian writes spaces after
# the dots, Estonian does not; English gets the month's name so 3/4 vs 4/3 cannot be misread.
# The spaces are no-break spaces so a date never splits across two printed lines.
_DATE_PATTERNS = {"et": "dd.MM.y", "sl": "d.\u00a0M.\u00a0y", "en": "d\u00a0MMM\u00a0y"}
_LONG_DATE_PATTERNS = {"et": "d.\u00a0MMMM\u00a0y", "en": "d\u00a0MMMM\u00a0y"}
# Slovenian dates take the month in the genitive ("5. marca 2026"); CLDR only has "marec".
_SL_MONTHS_GENITIVE = (
    "januarja",
    "februarja",
    "marca",
    "aprila",
    "maja",
    "junija",
    "julija",
    "avgusta",
    "septembra",
    "oktobra",
    "novembra",
    "decembra",
)
_TIME_PATTERN = "HH:mm"


class UnsupportedLanguage(ValueError):
    def __init__(self, lang: object):
        self.lang = lang
        super().__init__(f"unsupported language {lang!r}; expected one of {', '.join(LANGUAGES)}")


def normalize_language(lang: str) -> str:
    """``"sl"``, ``"SL"``, ``"sl_SI"``, ``"sl-SI"`` → ``"sl"``; anything else is refused."""
    if not isinstance(lang, str):
        raise UnsupportedLanguage(lang)
    code = lang.strip().replace("-", "_").split("_", 1)[0].lower()
    if code not in LANGUAGES:
        raise UnsupportedLanguage(lang)
    return code


# --- catalogues ---------------------------------------------------------------------------

_fallback_logged = False
_fallback_lock = threading.Lock()


def _in_source_tree() -> bool:
    # A checkout or editable install: the .po may have been edited after the .mo was built.
    return (Path(__file__).resolve().parents[2] / "pyproject.toml").is_file()


def _load_catalog(lang: str) -> _gettext.GNUTranslations:
    global _fallback_logged
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.is_file() and not (
        po.is_file() and _in_source_tree() and po.stat().st_mtime > mo.stat().st_mtime
    ):
        with mo.open("rb") as f:
            return _gettext.GNUTranslations(f)
    if not po.is_file():
        raise FileNotFoundError(f"no translation catalogue for {lang!r} in {folder}")
    with _fallback_lock:
        if not _fallback_logged:
            _fallback_logged = True
            log.info(
                "compiling translation catalogues in memory from .po files (%s); "
                "build them with `pip install -e .` or `python -m desktop.i18n compile`",
                folder.parent.parent,
            )
    return _gettext.GNUTranslations(io.BytesIO(compile_po(po, lang)))


# --- translator ---------------------------------------------------------------------------


class Message(str):
    """English text made from a marked template and values, translatable later.

    It *is* the English text, so logs, ``str(exc)`` and the command line stay English; a
    translator's ``gettext`` translates the template and fills in the same values. Made by
    ``N_(template, **values)``, or ``Nn_(singular, plural, n, **values)`` for a count: then
    ``plural`` is set and the translation picks the language's plural form for ``n``.
    """

    template: str
    params: dict[str, object]
    plural: str | None = None
    n: int = 0


class Money(int):
    """Integer cents as a reason's value: ``N_("at most {amount}", amount=Money(1250))``.

    The English text says ``12.50 €``; a translator formats it as its language writes money.
    """

    def __str__(self) -> str:
        sign = "-" if self < 0 else ""
        return f"{sign}{abs(self) // 100}.{abs(self) % 100:02d}\u00a0€"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


@dataclass(frozen=True, eq=False)
class Translator:
    """Messages and formatting for one language. Get one with ``translator(lang)``."""

    language: str
    catalog: _gettext.NullTranslations

    @property
    def babel_locale(self) -> str:
        return _BABEL_LOCALES[self.language]

    def gettext(self, message: str) -> str:
        if isinstance(message, Message):  # translate the template, then fill in the values
            if message.plural is not None:
                template = self.catalog.ngettext(message.template, message.plural, message.n)
            else:
                template = self.catalog.gettext(message.template)
            return template.format(**self._values(message.params))
        return self.catalog.gettext(message)

    _ = gettext

    def _values(self, params: dict[str, object]) -> dict[str, object]:
        """A reason's values as this language writes them: dates and money in its own format."""
        values = {}
        for key, value in params.items():
            if isinstance(value, date):
                value = self.format_date(value)
            elif isinstance(value, Money):
                value = self.format_money(int(value))
            values[key] = value
        return values

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)

    def format_date(self, value: date, style: str = "short") -> str:
        """``short``: 22.11.2026 (et), 22. 11. 2026 (sl), 22 Nov 2026 (en).

        ``long`` spells the month: 22. november 2026, 22. novembra 2026, 22 November 2026.
        """
        from babel.dates import format_date

        if isinstance(value, datetime):
            value = value.date()
        if style == "short":
            pattern = _DATE_PATTERNS[self.language]
        elif style == "long":
            if self.language == "sl":
                return f"{value.day}.\u00a0{_SL_MONTHS_GENITIVE[value.month - 1]}\u00a0{value.year}"
            pattern = _LONG_DATE_PATTERNS[self.language]
        else:
            raise ValueError(f"unknown date style {style!r}")
        return format_date(value, pattern, locale=self.babel_locale)

    def format_datetime(self, value: datetime, tz: tzinfo | None = None) -> str:
        """Date and time in ``tz`` (the school's zone); naive datetimes are taken as UTC."""
        from datetime import UTC

        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if tz is not None:
            value = value.astimezone(tz)
        return f"{self.format_date(value.date())} {value.strftime('%H:%M')}"

    def format_money(self, cents: int, currency: str = "EUR") -> str:
        """Integer cents → ``12,50 €`` (et, sl) or ``€12.50`` (en). Floats are refused."""
        from babel.numbers import format_currency

        if isinstance(cents, bool) or not isinstance(cents, int):
            raise TypeError(f"money is integer cents, got {type(cents).__name__}")
        return format_currency(Decimal(cents).scaleb(-2), currency, locale=self.babel_locale)

    def format_number(self, value: int | Decimal, decimals: int | None = None) -> str:
        """``1 234,5`` (et), ``1.234,5`` (sl), ``1,234.5`` (en)."""
        from babel.numbers import format_decimal

        if decimals is None:
            return format_decimal(value, locale=self.babel_locale)
        pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
        return format_decimal(value, pattern, locale=self.babel_locale, decimal_quantization=True)


@cache
def _translator(code: str) -> Translator:
    return Translator(code, _load_catalog(code))


def translator(lang: str) -> Translator:
    """The (cached) translator for ``et``, ``sl`` or ``en``; UnsupportedLanguage otherwise."""
    return _translator(normalize_language(lang))


# --- the UI language ----------------------------------------------------------------------

_ui_language = DEFAULT_LANGUAGE
_listeners: list[Callable[[str], None]] = []


def set_ui_language(lang: str) -> Translator:
    """Switch the language of ``_``/``gettext`` and tell listeners (the UI retranslates)."""
    global _ui_language
    code = normalize_language(lang)
    result = translator(code)  # load first: a broken catalogue must not switch half the UI
    changed = code != _ui_language
    _ui_language = code
    if changed:
        for listener in list(_listeners):
            listener(code)
    return result


def ui_language() -> str:
    return _ui_language


def ui_translator() -> Translator:
    return translator(_ui_language)


def add_ui_language_listener(callback: Callable[[str], None]) -> None:
    _listeners.append(callback)


def remove_ui_language_listener(callback: Callable[[str], None]) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


def gettext(message: str) -> str:
    """Translate into the UI language."""
    return translator(_ui_language).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    return translator(_ui_language).ngettext(singular, plural, n)


def N_(message: str, /, **params: object) -> str:
    """Mark a string for extraction without translating it now (module-level constants).

    With values (``N_("is longer than {limit} characters", limit=80)``) it returns the
    formatted English text as a ``Message`` that ``gettext`` can still translate: the way for
    the domain's error reasons to carry numbers and names and still reach the UI translated.
    """
    if not params:
        return message
    text = Message(message.format(**params))
    text.template = message
    text.params = params
    return text


def Nn_(singular: str, plural: str, n: int, /, **params: object) -> str:
    """``N_`` for a reason that shows a count: ``Nn_("{n} attempt left", "{n} attempts left", 4)``.

    The English text picks the singular or the plural; a translator picks the language's own
    plural form for ``n`` (Slovenian has four). ``{n}`` is always available to the template.
    """
    values = {"n": n, **params}
    text = Message((singular if n == 1 else plural).format(**values))
    text.template = singular
    text.plural = plural
    text.n = n
    text.params = values
    return text


# Each language's name, translated when shown: "Slovenian" reads "sloveeni" in Estonian.
LANGUAGE_NAMES = {"et": N_("Estonian"), "sl": N_("Slovenian"), "en": N_("English")}
