"""A received letter (R95–R98, R51/R102)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from PySide6.QtWidgets import QHBoxLayout, QLineEdit

from desktop.domain.billing.letters import GuardianContact, SubscriberData
from desktop.domain.billing.records import LetterChannel, LetterKind
from desktop.services.billing_letters import ReceivedLetter
from desktop.ui.forms import DateField, FormDialog, combo_enum, make_combo, read_fields
from desktop.ui.tabs.billing.labels import channel_label
from desktop.ui.text import _


class LetterDialog(FormDialog):
    """What the letter says, pre-filled with the order's data: the secretary corrects whatever
    the letter states differently or leaves out, and the service checks it (R96)."""

    def __init__(
        self,
        parent,
        country: str,
        order: SubscriberData,
        today: date,
        submit: Callable[[ReceivedLetter], object],
        notice_sent_on: date | None = None,
    ):
        super().__init__(
            parent, _("Register a received letter"), country, submit, ok_text=_("Register")
        )
        self.set_note(
            _(
                "Type what the letter says. A letter that lacks an item of the order, or "
                "differs from it, is kept as 'cannot be processed' and changes nothing."
            )
        )
        self.kind = make_combo(
            [
                (_("Cancel the whole subscription (D3)"), LetterKind.CANCEL_ALL),
                (_("Unsubscribe only one user (D4)"), LetterKind.UNSUBSCRIBE_ONE),
                (_("Withdraw after a change of terms"), LetterKind.TERMS_WITHDRAWAL),
            ]
        )
        self.received = DateField(country)
        self.received.set_date(today)
        self.channel = make_combo([(channel_label(c), c) for c in LetterChannel])
        self.child_first = QLineEdit(order.child_first_name)
        self.child_last = QLineEdit(order.child_last_name)
        self.school = QLineEdit(order.school_name)
        self.guardian_rows: list[tuple[QLineEdit, QLineEdit, QLineEdit, QLineEdit]] = []
        e = self.errors
        self.form.addRow(_("Letter"), e.wrap("kind", self.kind, "subscription"))
        self.form.addRow(_("Received on"), e.wrap("received_on", self.received, "letter"))
        self.form.addRow(_("Arrived as"), self.channel)
        child = QHBoxLayout()
        child.addWidget(self.child_first)
        child.addWidget(self.child_last)
        self.form.addRow(_("Child"), child)
        self.form.addRow(_("School"), self.school)
        for n, g in enumerate(order.guardians, 1):
            fields = (
                QLineEdit(g.first_name),
                QLineEdit(g.last_name),
                QLineEdit(g.mobile),
                QLineEdit(g.email),
            )
            fields[2].setPlaceholderText(_("mobile"))
            fields[3].setPlaceholderText(_("e-mail"))
            line = QHBoxLayout()
            for field in fields:
                line.addWidget(field)
            self.form.addRow(_("Guardian {n}").format(n=n), line)
            self.guardian_rows.append(fields)
        self.only = make_combo([(f"{g.first_name} {g.last_name}", g) for g in order.guardians])
        # R51/D10: the deadline runs from the recorded sending of the notice (D9), not from a
        # typed date: pre-filled from the record; left as it is, the service reads the record.
        self.notice_sent = DateField(country)
        self.notice_sent.set_date(notice_sent_on)
        self._recorded_notice = self.notice_sent.text()
        if notice_sent_on is None:
            self.notice_sent.setPlaceholderText(_("no notice recorded"))
            self.notice_sent.setMaximumWidth(240)
        self.notice_sent.setToolTip(
            _(
                "Filled in from the recorded sending of the notice of a change of terms. "
                "Change it only if the letter cites an earlier recorded notice."
            )
        )
        self.evidence = QLineEdit()
        self.evidence.setPlaceholderText(_("where the scan or e-mail is kept"))
        self.form.addRow(_("Unsubscribe only"), e.wrap("only", self.only))
        self.form.addRow(_("Terms notice sent on"), e.wrap("notice_sent_on", self.notice_sent))
        self.form.addRow(_("Evidence"), self.evidence)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.setMinimumWidth(640)

    def _kind_changed(self) -> None:
        kind = combo_enum(self.kind, LetterKind)
        self.only.setEnabled(kind is LetterKind.UNSUBSCRIBE_ONE)
        self.notice_sent.setEnabled(kind is LetterKind.TERMS_WITHDRAWAL)

    def values(self) -> ReceivedLetter:
        kind = combo_enum(self.kind, LetterKind)
        read = read_fields(
            {
                "received_on": lambda: self.received.date_value("received_on", required=True),
                # optional: unchanged or empty, the service takes the recorded notice
                "notice_sent_on": lambda: (
                    None
                    if self.notice_sent.text().strip() == self._recorded_notice
                    else self.notice_sent.date_value("notice_sent_on")
                ),
            }
        )
        guardians = tuple(
            GuardianContact(first.text(), last.text(), mobile.text(), email.text())
            for first, last, mobile, email in self.guardian_rows
            if first.text().strip() or last.text().strip()
        )
        data = SubscriberData(
            self.child_first.text(), self.child_last.text(), self.school.text(), guardians
        )
        only = None
        if kind is LetterKind.UNSUBSCRIBE_ONE:
            chosen = self.only.currentData()
            only = next(
                (
                    g
                    for g in guardians
                    if (g.first_name, g.last_name) == (chosen.first_name, chosen.last_name)
                ),
                replace(chosen, mobile="", email=""),
            )
        return ReceivedLetter(
            kind,
            read["received_on"],
            combo_enum(self.channel, LetterChannel),
            data=data,
            only=only,
            notice_sent_on=read["notice_sent_on"] if kind is LetterKind.TERMS_WITHDRAWAL else None,
            evidence=self.evidence.text(),
        )
