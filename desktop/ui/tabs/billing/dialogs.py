"""The Billing tab's forms: order, trial, payment, received letter, refund, rejection, settings.

Each is a FormDialog: OK hands the values to the controller's submit, and a refusal (the
service's typed error) appears under the field it names, with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.domain.billing.letters import GuardianContact, SubscriberData
from desktop.domain.billing.records import (
    CommunicationMode,
    LetterChannel,
    LetterKind,
    OrderChannel,
    OrderedBy,
    PaymentMethod,
    ReferenceScheme,
    RefundBasis,
)
from desktop.domain.billing.refunds import Outage, OutageCause
from desktop.domain.dates import SchoolYear
from desktop.domain.errors import ValidationError
from desktop.domain.money import parse_cents
from desktop.services.billing import (
    BillingSettingsRecord,
    OpenInvoice,
    OrderInput,
    PaymentInput,
)
from desktop.services.billing_letters import ReceivedLetter
from desktop.services.roster import StudentRecord
from desktop.ui.forms import DateField, FormDialog, WrappingCheckBox, read_fields
from desktop.ui.tabs.billing.labels import (
    REFUND_BASES,
    amount_text,
    basis_label,
    channel_label,
    euros,
    method_label,
)
from desktop.ui.text import N_, _

_MODES = {
    CommunicationMode.SMS_AND_EMAIL: N_("SMS + e-mail"),
    CommunicationMode.SMS: N_("SMS"),
    CommunicationMode.EMAIL: N_("E-mail"),
}


def _enum(combo: QComboBox, enum_class):
    """Qt hands a StrEnum back as a plain str: make it the enum again."""
    value = combo.currentData()
    return None if value is None else enum_class(value)


def _combo(items: Sequence[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    for text, data in items:
        combo.addItem(text, data)
    return combo


def _ordered_by_combo() -> QComboBox:
    """Who orders or starts a trial: a guardian, or the student from 15 (R47, R90)."""
    return _combo(
        [
            (_("A parent or guardian"), OrderedBy.GUARDIAN),
            (_("The student (15 or older)"), OrderedBy.STUDENT),
        ]
    )


# ---- order (R75, R47, R41, R55, R14) -------------------------------------------------------


class OrderDialog(FormDialog):
    def __init__(
        self,
        parent: QWidget | None,
        country: str,
        student: StudentRecord,
        terms: Sequence[tuple[int, str]],
        default_terms: int | None,
        today: date,
        submit: Callable[[OrderInput], object],
    ):
        super().__init__(parent, _("New POPOLNI order"), country, submit, ok_text=_("Save order"))
        self.student = student
        self.set_note(
            _(
                "Order for {name} ({klass}). The invoice is issued at once; the service is "
                "finally activated when it is paid in full."
            ).format(name=student.full_name, klass=student.class_name or "—")
        )
        self.ordered_by = _ordered_by_combo()
        guardians = [
            (g.full_name + (f"  ·  {g.phone}" if g.phone else ""), g.guardian_id)
            for g in student.guardians
        ]
        self.guardian1 = _combo(guardians)
        self.guardian2 = _combo([(_("— none —"), None), *guardians])
        self.student_mobile = QLineEdit()
        self.student_email = QLineEdit()
        self.statement = WrappingCheckBox(_("The student states that they have reached 15"))
        self.terms = _combo([(label, version_id) for version_id, label in terms])
        if default_terms is not None:
            self.terms.setCurrentIndex(max(0, self.terms.findData(default_terms)))
        self.channel = _combo(
            [
                (_("Electronic registration"), OrderChannel.ELECTRONIC),
                (_("Parents' portal"), OrderChannel.PORTAL),
                (_("At the school"), OrderChannel.AT_SCHOOL),
                (_("By letter"), OrderChannel.LETTER),
            ]
        )
        self.mode = _combo([(_(text), mode) for mode, text in _MODES.items()])
        self.warranties = WrappingCheckBox(
            _(
                "The orderer confirmed that the data are correct and the phone and e-mail are "
                "their own"
            )
        )
        self.free_alternative = WrappingCheckBox(
            _(
                "The orderer was told that POPOLNI is optional and the same information is free "
                "through other routes"
            )
        )
        self.ordered_on = DateField(country)
        self.ordered_on.set_date(today)
        e = self.errors
        self.form.addRow(_("Ordered by"), self.ordered_by)
        self.form.addRow(_("Guardian (payer)"), e.wrap("guardians", self.guardian1, "mobile"))
        self.form.addRow(_("Second guardian"), self.guardian2)
        self.form.addRow(_("Student's mobile"), self.student_mobile)
        self.form.addRow(_("Student's e-mail"), self.student_email)
        self.form.addRow("", e.wrap("student_statement_15", self.statement, "birth_date"))
        self.form.addRow(_("Accepted terms"), e.wrap("terms_version_id", self.terms))
        self.form.addRow(_("Channel"), self.channel)
        self.form.addRow(_("Notifications"), self.mode)
        self.form.addRow(_("Order date"), e.wrap("ordered_on", self.ordered_on))
        self.form.addRow("", e.wrap("warranties_given", self.warranties))
        self.form.addRow(
            "",
            e.wrap(
                "free_alternative_disclosed",
                self.free_alternative,
                "popolni_enabled",
                "subscription",
                "status",
            ),
        )
        self.ordered_by.currentIndexChanged.connect(self._by_changed)
        self._by_changed()
        self.setMinimumWidth(560)

    def _by_changed(self) -> None:
        by_student = _enum(self.ordered_by, OrderedBy) is OrderedBy.STUDENT
        for widget in (self.student_mobile, self.student_email, self.statement):
            widget.setEnabled(by_student)
        self.guardian1.setEnabled(not by_student)

    def values(self) -> OrderInput:
        read = read_fields({"ordered_on": lambda: self.ordered_on.date_value("ordered_on")})
        by = _enum(self.ordered_by, OrderedBy)
        ids: tuple[int, ...] = ()
        if by is OrderedBy.GUARDIAN:
            ids = tuple(
                i
                for i in (self.guardian1.currentData(), self.guardian2.currentData())
                if i is not None
            )
        elif self.guardian2.currentData() is not None:
            ids = (self.guardian2.currentData(),)
        return OrderInput(
            student_id=self.student.id,
            ordered_by=by,
            channel=_enum(self.channel, OrderChannel),
            communication_mode=_enum(self.mode, CommunicationMode),
            guardian_ids=ids,
            terms_version_id=self.terms.currentData(),
            warranties_given=self.warranties.isChecked(),
            free_alternative_disclosed=self.free_alternative.isChecked(),
            student_statement_15=by is OrderedBy.STUDENT and self.statement.isChecked(),
            student_mobile=self.student_mobile.text(),
            student_email=self.student_email.text(),
            ordered_on=read["ordered_on"],
        )


@dataclass(frozen=True)
class TrialValues:
    started_by: OrderedBy
    guardian_id: int | None
    on: date | None


class TrialDialog(FormDialog):
    def __init__(self, parent, country: str, student: StudentRecord, today: date, submit):
        super().__init__(parent, _("Start a free trial"), country, submit, ok_text=_("Start trial"))
        self.set_note(
            _(
                "Trials start 1 Oct–31 Mar (30 days until 31 Dec, then 7 days), once per child "
                "and school year, unless the school has a special offer."
            )
        )
        self.started_by = _ordered_by_combo()
        self.guardian = _combo([(g.full_name, g.guardian_id) for g in student.guardians])
        self.start = DateField(country)
        self.start.set_date(today)
        e = self.errors
        self.form.addRow(_("Student"), QLabel(student.full_name))
        self.form.addRow(_("Started by"), e.wrap("birth_date", self.started_by))
        self.form.addRow(_("Guardian"), e.wrap("guardians", self.guardian))
        self.form.addRow(
            _("First day"), e.wrap("trial_start", self.start, "popolni_enabled", "status")
        )
        self.started_by.currentIndexChanged.connect(
            lambda: self.guardian.setEnabled(
                _enum(self.started_by, OrderedBy) is OrderedBy.GUARDIAN
            )
        )

    def values(self) -> TrialValues:
        read = read_fields(
            {"trial_start": lambda: self.start.date_value("trial_start", required=True)}
        )
        by = _enum(self.started_by, OrderedBy)
        return TrialValues(
            by,
            self.guardian.currentData() if by is OrderedBy.GUARDIAN else None,
            read["trial_start"],
        )


# ---- payment (R65, R77, R79) ----------------------------------------------------------------


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
        self.invoice = _combo(
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
        self.method = _combo([(method_label(m), m) for m in PaymentMethod])
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
        card = _enum(self.method, PaymentMethod) is PaymentMethod.CARD
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
            method=_enum(self.method, PaymentMethod),
            value_date=read["value_date"],
            invoice_id=self.invoice.currentData(),
            processor_txn_id=self.txn.text(),
            card_last_four=self.last_four.text().strip("_ "),
            payer_name=self.payer.text(),
            note=self.note.text(),
        )


# ---- a received letter (R95–R98, R51/R102) ----------------------------------------------------


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
        self.kind = _combo(
            [
                (_("Cancel the whole subscription (D3)"), LetterKind.CANCEL_ALL),
                (_("Unsubscribe only one user (D4)"), LetterKind.UNSUBSCRIBE_ONE),
                (_("Withdraw after a change of terms"), LetterKind.TERMS_WITHDRAWAL),
            ]
        )
        self.received = DateField(country)
        self.received.set_date(today)
        self.channel = _combo([(channel_label(c), c) for c in LetterChannel])
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
        self.only = _combo([(f"{g.first_name} {g.last_name}", g) for g in order.guardians])
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
        kind = _enum(self.kind, LetterKind)
        self.only.setEnabled(kind is LetterKind.UNSUBSCRIBE_ONE)
        self.notice_sent.setEnabled(kind is LetterKind.TERMS_WITHDRAWAL)

    def values(self) -> ReceivedLetter:
        kind = _enum(self.kind, LetterKind)
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
            _enum(self.channel, LetterChannel),
            data=data,
            only=only,
            notice_sent_on=read["notice_sent_on"] if kind is LetterKind.TERMS_WITHDRAWAL else None,
            evidence=self.evidence.text(),
        )


# ---- refund (R83, R84, R87, R88) ---------------------------------------------------------------


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
        self.basis = _combo([(basis_label(b), b) for b in REFUND_BASES])
        self.amount = QLineEdit()
        self.first = DateField(country)
        self.last = DateField(country)
        self.cause = _combo(
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
        basis = _enum(self.basis, RefundBasis)
        self.amount.setEnabled(basis is RefundBasis.DISCRETIONARY)
        for widget in (self.first, self.last, self.cause, self.missed):
            widget.setEnabled(basis is RefundBasis.OUTAGE)

    def values(self) -> RefundValues:
        basis = _enum(self.basis, RefundBasis)
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
                read["first"], read["last"], _enum(self.cause, OutageCause), self.missed.isChecked()
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


# ---- settings (R73, R74, R77, R78) ----------------------------------------------------------


@dataclass(frozen=True)
class SettingsValues:
    settings: BillingSettingsRecord
    prices: dict[SchoolYear, int]


class SettingsDialog(FormDialog):
    def __init__(
        self,
        parent,
        country: str,
        settings: BillingSettingsRecord,
        prices: dict[SchoolYear, int | None],
        submit,
    ):
        super().__init__(parent, _("Billing settings"), country, submit)
        self.settings = settings
        self.enabled = QCheckBox(_("This school offers mojAsistent POPOLNI"))
        self.enabled.setChecked(settings.popolni_enabled)
        self.fields = {
            "entity_name": QLineEdit(settings.entity_name),
            "entity_street": QLineEdit(settings.entity_street),
            "entity_postal_code": QLineEdit(settings.entity_postal_code),
            "entity_city": QLineEdit(settings.entity_city),
            "entity_vat_id": QLineEdit(settings.entity_vat_id),
            "entity_email": QLineEdit(settings.entity_email),
            "iban": QLineEdit(settings.iban),
            "bic": QLineEdit(settings.bic),
            "bank_name": QLineEdit(settings.bank_name),
            "upn_purpose_code": QLineEdit(settings.upn_purpose_code),
        }
        self.scheme = _combo(
            [
                (_("RF creditor reference"), ReferenceScheme.RF),
                (_("Slovenian model SI12"), ReferenceScheme.SI12),
                (_("Estonian reference number (7-3-1)"), ReferenceScheme.EE),
            ]
        )
        self.scheme.setCurrentIndex(self.scheme.findData(settings.reference_scheme))
        labels = {
            "entity_name": _("Billing entity"),
            "entity_street": _("Street"),
            "entity_postal_code": _("Postal code"),
            "entity_city": _("City"),
            "entity_vat_id": _("VAT ID"),
            "entity_email": _("E-mail"),
            "iban": _("IBAN"),
            "bic": _("BIC"),
            "bank_name": _("Bank"),
            "upn_purpose_code": _("UPN purpose code"),
        }
        e = self.errors
        self.form.addRow("", e.wrap("popolni_enabled", self.enabled))
        for key, widget in self.fields.items():
            self.form.addRow(labels[key], e.wrap(key, widget))
        self.form.addRow(_("Payment reference"), self.scheme)
        self.prices: dict[SchoolYear, QLineEdit] = {}
        for year, cents in prices.items():
            field = QLineEdit("" if cents is None else amount_text(cents))
            field.setPlaceholderText(_("not set"))
            self.prices[year] = field
            self.form.addRow(
                _("Price {year} (€)").format(year=year.label),
                e.wrap(f"price_{year.start_year}", field),
            )
        self.setMinimumWidth(520)

    def values(self) -> SettingsValues:
        prices = read_fields(
            {
                f"price_{year.start_year}": (
                    lambda f=field, y=year: (
                        parse_cents(f.text(), f"price_{y.start_year}") if f.text().strip() else None
                    )
                )
                for year, field in self.prices.items()
            }
        )
        record = replace(
            self.settings,
            popolni_enabled=self.enabled.isChecked(),
            reference_scheme=_enum(self.scheme, ReferenceScheme),
            **{key: widget.text() for key, widget in self.fields.items()},
        )
        return SettingsValues(
            record,
            {
                year: prices[f"price_{year.start_year}"]
                for year in self.prices
                if prices[f"price_{year.start_year}"] is not None
            },
        )
