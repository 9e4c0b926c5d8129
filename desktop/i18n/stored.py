"""A sentence the services stored in English, printed in a document's language.

Services store reasons made with ``N_("replaces {number}", number=...)`` as their English text
(a card's status reason, a subscription's end reason). ``stored_text(tr, text)`` finds the
template in the catalogue, reads the values back from the English text (an ISO date is then
written as the language writes dates) and fills in the translation. Text that matches no
template (typed by a person) comes back as it is, or, with ``known_only``, as "".
(The UI has the same for its own language: desktop.ui.text.stored_text.)
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import NamedTuple

from desktop.i18n import Translator, translator

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class _Template(NamedTuple):
    """A catalogue sentence with placeholders; its pattern is compiled when first needed."""

    msgid: str
    head: str  # the literal text before the first placeholder: a cheap first test

    @property
    def pattern(self) -> re.Pattern[str] | None:
        return _compile(self.msgid)


@cache
def _compile(msgid: str) -> re.Pattern[str] | None:
    parts, last = [], 0
    for m in _PLACEHOLDER.finditer(msgid):
        parts.append(re.escape(msgid[last : m.start()]))
        parts.append(f"(?P<{m.group(1)}>.+?)")
        last = m.end()
    parts.append(re.escape(msgid[last:]))
    try:
        return re.compile("^" + "".join(parts) + "$", re.DOTALL)
    except re.error:  # a placeholder used twice
        return None


@cache
def _templates(language: str) -> list[_Template]:
    """The catalogue's sentences with placeholders. Compiling a pattern for each of them took
    0.3 s at start-up (the status line reads a stored summary); now only the templates whose
    opening words match a text are compiled, once."""
    templates = []
    for msgid in translator(language).catalog._catalog:  # gettext's own table
        if not isinstance(msgid, str) or "{" not in msgid:
            continue
        if len(_PLACEHOLDER.sub("", msgid).strip(" :;,.-–()")) < 3:
            continue  # "{name}", "{label}: {value}": a frame, not a sentence
        templates.append(_Template(msgid, msgid[: msgid.index("{")]))
    return templates


def stored_text(tr: Translator, text: str, *, known_only: bool = False) -> str:
    if not text:
        return text
    translated = tr.catalog.gettext(text)
    if translated != text or (tr.language == "en" and not known_only):
        return translated
    for template in _templates(tr.language):
        if not text.startswith(template.head):
            continue
        pattern = template.pattern
        m = pattern.match(text) if pattern is not None else None
        if m is None:
            continue
        msgid = template.msgid
        values = {
            key: tr.format_date(date.fromisoformat(value)) if _ISO_DATE.match(value) else value
            for key, value in m.groupdict().items()
        }
        try:
            return tr.catalog.gettext(msgid).format(**values)
        except (KeyError, IndexError, ValueError):
            break
    if tr.language == "en" and (text in tr.catalog._catalog or not known_only):
        return text
    return "" if known_only else text
