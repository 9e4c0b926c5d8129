"""The Markdown-like text of letters and terms, parsed into items the layout prints.

Deliberately small: paragraphs, ``#``/``##`` headings, ``1.`` / ``1.1`` numbered items,
``-``/``*`` bullets (indent two spaces to nest) and ``**bold**``. Anything else is plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Run = tuple[str, bool]  # (text, bold)

_NUMBERED = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*\.?|\d{1,3}\))\s+(\S.*)$")
_BULLET = re.compile(r"^([-*•])\s+(\S.*)$")
_HEADING = re.compile(r"^(#{1,3})\s+(\S.*)$")
_SECTION_TITLE_MAX = 80  # "1. General provisions" is a heading; a sentence is not


def parse_inline(text: str) -> list[Run]:
    """``"a **b** c"`` → ``[("a ", False), ("b", True), (" c", False)]``.

    An unpaired ``**`` stays as text.
    """
    if "**" not in text:
        return [(text, False)]
    parts = text.split("**")
    if len(parts) % 2 == 0:  # odd number of markers: keep the last one literally
        last = parts.pop()
        parts[-1] += "**" + last
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


@dataclass(frozen=True)
class Item:
    kind: Literal["para", "heading", "section", "number", "bullet"]
    text: str
    label: str = ""  # "1.", "1.1", "•"
    depth: int = 0


def parse_markdown(text: str) -> list[Item]:
    items: list[Item] = []
    current: dict | None = None  # the item being collected: continuation lines join it

    def close() -> None:
        nonlocal current
        if current is not None:
            items.append(_finish(current))
            current = None

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            close()
            continue
        indent = len(line) - len(line.lstrip(" "))
        stripped = line.strip()
        if m := _HEADING.match(stripped):
            close()
            items.append(Item("heading", m.group(2), depth=len(m.group(1)) - 1))
        elif m := _NUMBERED.match(stripped):
            close()
            label = m.group(1)
            depth = max(0, len([p for p in label.rstrip(".)").split(".") if p]) - 1)
            current = {"kind": "number", "text": m.group(2), "label": label, "depth": depth}
        elif m := _BULLET.match(stripped):
            close()
            current = {"kind": "bullet", "text": m.group(2), "label": "•", "depth": indent // 2}
        elif current is not None:
            current["text"] += " " + stripped
        else:
            current = {"kind": "para", "text": stripped, "label": "", "depth": 0}
    close()
    return _mark_sections(items)


def _finish(d: dict) -> Item:
    return Item(d["kind"], d["text"], d["label"], d["depth"])


def _mark_sections(items: list[Item]) -> list[Item]:
    """A short top-level numbered line followed by its content is a section heading.

    "1. General provisions" + "1.1 ..." → heading; "1. one / 2. two / 3. three" stays a list.
    """
    out = []
    for i, item in enumerate(items):
        following = items[i + 1] if i + 1 < len(items) else None
        if (
            item.kind == "number"
            and item.depth == 0
            and len(item.text) <= _SECTION_TITLE_MAX
            and not item.text.endswith((".", ":", ";", ",", "!", "?"))
            and following is not None
            and not (following.kind == "number" and following.depth == 0)
        ):
            item = Item("section", item.text, item.label, 0)
        out.append(item)
    return out
