"""A refund (R83, R84, R87, R88), and rejecting a proposal."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit

from desktop.domain.billing.records import RefundBasis
from desktop.domain.billing.refunds import Outage, OutageCause
from desktop.domain.errors import ValidationError
from desktop.domain.money import parse_cents
from desktop.ui.forms import DateField, FormDialog, combo_enum, make_combo, read_fields
from desktop.ui.tabs.billing.labels import REFUND_BASES, basis_label
from desktop.ui.text import N_, _


@dataclass(frozen=True)
class RefundValues:
    basis: RefundBasis
    reason: str
    amount_cents: int | None
    outage: Outage | None


class RefundDialog(FormDialog):
    def __init__(self, parent, country: str, child: str, submit):
        super().__init__(parent, _("Refund"), country, submit, ok_text=_("Record refund"))
        self.set_note(
            _(
                "Refund for {child}. You are recorded as the approver. A subscriber's own "
                "cancellation is never refunded."
            ).format(child=child)
        )
        self.basis = make_combo([(basis_label(b), b) for b in REFUND_BASES])
        self.amount = QLineEdit()
        self.first = DateField(country)
        self.last = DateField(country)
        self.cause = make_combo(
            [
                (_("eŠola's fault"), OutageCause.PROVIDER),
                (_("Force majeure"), OutageCause.FORCE_MAJEURE),
                (_("Mobile operator"), OutageCause.OPERATOR),
                (_("The user"), OutageCause.USER),
            ]
        )
        self.missed = QCheckBox(_("The school recorded events the user should have heard of"))
        self.reason = QPlainTextEdit()
        self.reason.setMaximumHeight(70)
        e = self.errors
        self.form.addRow(_("Basis"), e.wrap("basis", self.basis))
        self.form.addRow(_("Amount (€)"), e.wrap("amount", self.amount))
        outage = QHBoxLayout()
        outage.addWidget(self.first)
        outage.addWidget(QLabel("–"))
        outage.addWidget(self.last)
        outage.addWidget(self.cause)
        self.form.addRow(_("Outage"), e.wrap("outage", outage))
        self.form.addRow("", self.missed)
        self.form.addRow(_("Reason"), e.wrap("reason", self.reason))
        self.basis.currentIndexChanged.connect(self._basis_changed)
        self._basis_changed()

    def _basis_changed(self) -> None:
        basis = combo_enum(self.basis, RefundBasis)
        self.amount.setEnabled(basis is RefundBasis.DISCRETIONARY)
        for widget in (self.first, self.last, self.cause, self.missed):
            widget.setEnabled(basis is RefundBasis.OUTAGE)

    def values(self) -> RefundValues:
        basis = combo_enum(self.basis, RefundBasis)
        readers = {}
        if basis is RefundBasis.DISCRETIONARY:
            readers["amount"] = lambda: parse_cents(self.amount.text())
        if basis is RefundBasis.OUTAGE:
            readers["first"] = lambda: self.first.date_value("outage", required=True)
            readers["last"] = lambda: self.last.date_value("outage", required=True)
        read = read_fields(readers)
        outage = None
        if basis is RefundBasis.OUTAGE:
            if read["first"] > read["last"]:
                raise ValidationError("outage", read["last"], N_("ends before it starts"))
            outage = Outage(
                read["first"],
                read["last"],
                combo_enum(self.cause, OutageCause),
                self.missed.isChecked(),
            )
        return RefundValues(basis, self.reason.toPlainText(), read.get("amount"), outage)


class RejectDialog(FormDialog):
    def __init__(self, parent, country: str, what: str, submit):
        super().__init__(parent, _("Reject the proposal"), country, submit, ok_text=_("Reject"))
        self.set_note(what)
        self.note = QPlainTextEdit()
        self.note.setMaximumHeight(80)
        self.form.addRow(_("Why"), self.errors.wrap("note", self.note))

    def values(self) -> str:
        return self.note.toPlainText()
