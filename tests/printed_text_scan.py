"""What must never be on paper (issue 12, DESIGN.md "Trust at the edges"): a scanner for the
text extracted from a printed document.

`scan(text, language, login=...)` returns the internal text it finds, one "what: excerpt"
string per hit: rule numbers, snake_case field names, UPPER_CASE enum values, raw ISO dates and
timestamps, hashes, the acting login, and English words in an Estonian or Slovenian document.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
import re

RULE = re.compile(r"\bR\d{1,3}\b")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
UPPER_SNAKE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}[:\d.]*(?:[+-]\d{2}:\d{2}|Z)?)?\b")
HASH = re.compile(r"\b[0-9a-f]{32,}\b")
# addresses and links are data, not prose: left out before the word checks
LINKS = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+|\b[\w.-]+\.(?:si|ee|com|eu|org)\b\S*")

# Whole words that are English and no Estonian or Slovenian word ("in", "on", "to", "a" are)
ENGLISH = [
    "the",
    "of",
    "and",
    "with",
    "for",
    "your",
    "you",
    "please",
    "dear",
    "regards",
    "invoice",
    "student",
    "guardian",
    "school",
    "payment",
    "reported",
    "lost",
    "replaces",
    "reason",
    "amount",
    "page",
    "generated",
    "document",
    "card",
    "enrolled",
    "mother",
    "father",
    "yes",
    "from",
    "by",
    "until",
    "copy",
    "code",
    "issued",
    "valid",
    "refund",
    "reminder",
    "notice",
    "subscription",
    "terms",
]
ENGLISH_WORD = re.compile(r"\b(?:" + "|".join(ENGLISH) + r")\b", re.IGNORECASE)

# Names of products and standards that are written in capitals on purpose
CAPITALS_ALLOWED = {
    "POPOLNI",
    "MINIMALNI",
    "UPN",
    "QR",
    "IBAN",
    "BIC",
    "DDV",
    "KMKR",
    "EMŠO",
    "SMS",
    "PDF",
    "JSON",
    "RIA",  # Riigi Infosüsteemi Amet, named so on the breach report (D17)
    "AKI",  # Andmekaitse Inspektsioon, likewise
}
# The app's own name, printed on the sample letter
NAMES = re.compile(r"School Office")


def _enum_values() -> set[str]:
    """Every UPPER-case value of an enum in desktop.domain (ENROLLED, MOTHER, PHYSICAL, …)."""
    import desktop.domain as domain

    values: set[str] = set()
    for info in pkgutil.iter_modules(domain.__path__):
        module = importlib.import_module(f"desktop.domain.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj is not enum.Enum:
                for member in obj:
                    for text in (member.name, str(member.value)):
                        # "SI12": a payment reference model, printed as such
                        if (
                            text.isupper()
                            and len(text) > 2
                            and not re.fullmatch(r"[A-Z]{2}\d{2}", text)
                        ):
                            values.add(text)
    return values - CAPITALS_ALLOWED


_ENUMS: re.Pattern[str] | None = None


def _enum_pattern() -> re.Pattern[str]:
    global _ENUMS
    if _ENUMS is None:
        words = sorted(_enum_values(), key=len, reverse=True)
        _ENUMS = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])")
    return _ENUMS


def _excerpt(text: str, match: re.Match[str]) -> str:
    start, end = max(0, match.start() - 30), min(len(text), match.end() + 30)
    return " ".join(text[start:end].split())


def scan(text: str, language: str, *, login: str = "") -> list[str]:
    text = text.replace("\xa0", " ")
    hits: list[str] = []

    def check(what: str, pattern: re.Pattern[str], haystack: str = text) -> None:
        hits.extend(f"{what}: …{_excerpt(haystack, m)}…" for m in pattern.finditer(haystack))

    check("rule number", RULE)
    prose = NAMES.sub(" ", LINKS.sub(" ", text))
    check("field name", SNAKE, prose)
    check("enum name", UPPER_SNAKE, prose)
    check("enum value", _enum_pattern(), prose)
    check("raw date or timestamp", ISO)
    check("hash", HASH)
    if login:
        check("login", re.compile(rf"\b{re.escape(login)}\b"), prose)
    if language in ("et", "sl"):
        check("English", ENGLISH_WORD, prose)
    return hits
