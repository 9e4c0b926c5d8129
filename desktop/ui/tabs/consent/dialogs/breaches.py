"""A data breach, the people it affects, and the notices sent (R69, R70)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.domain import clock
from desktop.domain.consent.breaches import BreachNotice
from desktop.domain.consent.retention import DataCategory
from desktop.domain.dates import school_zone
from desktop.ui.forms import FormDialog, make_combo
from desktop.ui.tabs.consent.labels import CATEGORIES, NOTICES
from desktop.ui.text import _


def _datetime_edit(country: str) -> QDateTimeEdit:
    edit = QDateTimeEdit(
        QDateTime(clock.now().astimezone(school_zone(country)).replace(tzinfo=None))
    )
    edit.setDisplayFormat("dd.MM.yyyy HH:mm" if country == "EE" else "d. M. yyyy HH:mm")
    edit.setCalendarPopup(True)
    edit.setTimeSpec(Qt.TimeSpec.LocalTime)
    return edit


def _instant(edit: QDateTimeEdit, country: str) -> datetime:
    """What was typed, read as the school's local time (R1), as an aware instant."""
    value = edit.dateTime()
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=school_zone(country))


@dataclass(frozen=True)
class BreachValues:
    detected_at: datetime
    description: str
    categories: tuple[DataCategory, ...]
    containment: str


class BreachDialog(FormDialog):
    def __init__(self, parent, country: str, submit):
        super().__init__(parent, _("Record a data breach"), country, submit, ok_text=_("Record"))
        self.detected = _datetime_edit(country)
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(70)
        self.categories = {c: QCheckBox(_(CATEGORIES[c])) for c in DataCategory}
        boxes = QWidget()
        layout = QHBoxLayout(boxes)
        layout.setContentsMargins(0, 0, 0, 0)
        for category in (DataCategory.SCHOOL, DataCategory.BILLING, DataCategory.CARDS):
            layout.addWidget(self.categories[category])
        self.containment = QPlainTextEdit()
        self.containment.setFixedHeight(60)
        e = self.errors
        self.form.addRow(_("Detected at"), e.wrap("detected_at", self.detected))
        self.form.addRow(_("What happened"), e.wrap("description", self.description))
        self.form.addRow(_("Data concerned"), e.wrap("categories", boxes))
        self.form.addRow(_("Measures taken"), e.wrap("containment", self.containment))
        self.set_note(
            _("The notifications are due within 72 hours of detection, weekends included.")
        )

    def values(self) -> BreachValues:
        return BreachValues(
            _instant(self.detected, self.country),
            self.description.toPlainText(),
            tuple(c for c, box in self.categories.items() if box.isChecked()),
            self.containment.toPlainText(),
        )


@dataclass(frozen=True)
class AffectedValues:
    name: str
    email: str


class AffectedDialog(FormDialog):
    def __init__(self, parent, country: str, submit):
        super().__init__(parent, _("Person concerned"), country, submit, ok_text=_("Add"))
        self.name = QLineEdit()
        self.email = QLineEdit()
        e = self.errors
        self.form.addRow(_("Name"), e.wrap("name", self.name))
        self.form.addRow(_("E-mail"), e.wrap("email", self.email))

    def values(self) -> AffectedValues:
        return AffectedValues(self.name.text(), self.email.text())


@dataclass(frozen=True)
class NoticeValues:
    notice: BreachNotice
    sent_at: datetime


class NoticeSentDialog(FormDialog):
    def __init__(self, parent, country: str, pending: Sequence[BreachNotice], submit):
        super().__init__(parent, _("Notification sent"), country, submit, ok_text=_("Save"))
        self.notice = make_combo([(_(NOTICES[n]), n) for n in pending])
        self.sent = _datetime_edit(country)
        e = self.errors
        self.form.addRow(_("Notification"), e.wrap("notice", self.notice))
        self.form.addRow(_("Sent at"), e.wrap("sent_at", self.sent))

    def values(self) -> NoticeValues:
        return NoticeValues(self.notice.currentData(), _instant(self.sent, self.country))
