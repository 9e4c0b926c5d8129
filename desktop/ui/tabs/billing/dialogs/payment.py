"""Recording money received (R65, R77, R79)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtWidgets import QLineEdit

from desktop.domain.billing.records import PaymentMethod
from desktop.domain.money import parse_cents
from desktop.services.billing import OpenInvoice, PaymentInput
from desktop.ui.forms import DateField, FormDialog, combo_enum, make_combo, read_fields
from desktop.ui.tabs.billing.labels import amount_text, euros, method_label
from desktop.ui.text import _


class PaymentDialog(FormDialog):
    def __init__(
        self,
        parent,
        country: str,
        invoices: Sequence[OpenInvoice],
        today: date,
        submit: Callable[[PaymentInput], object],
    ):
        super().__init__(parent, _("Record a payment"), country, submit, ok_text=_("Record"))
        self.set_note(
            _(
                "The subscription is activated only when its invoice is paid in full. "
                "Never type a card number or CVV: only the processor's transaction id and the "
                "last four digits."
            )
        )
        self.invoice = make_combo(
            [
                (
                    _("{number}  ·  {reference}  ·  owed {amount}").format(
                        number=i.number, reference=i.reference, amount=euros(i.owed_cents)
                    ),
                    i.id,
                )
                for i in invoices
            ]
        )
        self._owed = {i.id: i.owed_cents for i in invoices}
        self.amount = QLineEdit()
        self.method = make_combo([(method_label(m), m) for m in PaymentMethod])
        self.value_date = DateField(country)
        self.value_date.set_date(today)
        self.txn = QLineEdit()
        self.last_four = QLineEdit()
        self.last_four.setMaxLength(4)
        self.last_four.setInputMask("9999;_")
        self.last_four.setMaximumWidth(80)
        self.payer = QLineEdit()
        self.note = QLineEdit()
        e = self.errors
        self.form.addRow(_("Invoice"), e.wrap("reference", self.invoice))
        self.form.addRow(_("Amount (€)"), e.wrap("amount", self.amount))
        self.form.addRow(_("Method"), self.method)
        self.form.addRow(_("Value date"), e.wrap("value_date", self.value_date))
        self.form.addRow(_("Transaction id"), e.wrap("processor_txn_id", self.txn))
        self.form.addRow(_("Card: last four digits"), e.wrap("card_last_four", self.last_four))
        self.form.addRow(_("Payer's name"), e.wrap("payer_name", self.payer))
        self.form.addRow(_("Note"), e.wrap("note", self.note))
        self.invoice.currentIndexChanged.connect(self._invoice_changed)
        self.method.currentIndexChanged.connect(self._method_changed)
        self._invoice_changed()
        self._method_changed()

    def _invoice_changed(self) -> None:
        owed = self._owed.get(self.invoice.currentData())
        if owed is not None:
            self.amount.setText(amount_text(owed))

    def _method_changed(self) -> None:
        card = combo_enum(self.method, PaymentMethod) is PaymentMethod.CARD
        self.last_four.setEnabled(card)
        if not card:
            self.last_four.clear()

    def values(self) -> PaymentInput:
        read = read_fields(
            {
                "amount": lambda: parse_cents(self.amount.text()),
                "value_date": lambda: self.value_date.date_value("value_date", required=True),
            }
        )
        return PaymentInput(
            amount_cents=read["amount"],
            method=combo_enum(self.method, PaymentMethod),
            value_date=read["value_date"],
            invoice_id=self.invoice.currentData(),
            processor_txn_id=self.txn.text(),
            card_last_four=self.last_four.text().strip("_ "),
            payer_name=self.payer.text(),
            note=self.note.text(),
        )
