"""The combo boxes the Billing tab's forms share: filled from (text, value) pairs, read back
as the enum they hold."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox


def combo_enum(combo: QComboBox, enum_class):
    """Qt hands a StrEnum back as a plain str: make it the enum again."""
    value = combo.currentData()
    return None if value is None else enum_class(value)


def make_combo(items: Sequence[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    for text, data in items:
        combo.addItem(text, data)
    return combo
