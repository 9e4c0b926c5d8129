"""Billing → Import bank statement…: the preview of a camt.053/.054 file, entry by entry, where
a person assigns the entries without a reference (or leaves them), then Confirm books it all in
one go. The dialog only shows; the controller calls the service."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.bank_matching import (
    BOOKED,
    OUTCOME_LABELS,
    Outcome,
    with_suggestions_accepted,
)
from desktop.services.bank_statements import StatementPreview
from desktop.ui.models.table_model import TupleTableModel
from desktop.ui.tabs.billing.labels import euros
from desktop.ui.text import _, format_date, stored_text


def outcome_label(outcome: Outcome) -> str:
    return _(OUTCOME_LABELS[outcome])


class BankImportDialog(QDialog):
    """`reassign(assignments)` returns the preview planned again; `confirm(preview)` books."""

    def __init__(
        self,
        parent: QWidget | None,
        country: str,
        preview: StatementPreview,
        reassign: Callable[[dict[str, int]], StatementPreview],
        confirm: Callable[[StatementPreview], object],
    ):
        super().__init__(parent)
        self.setObjectName("bank_import_dialog")
        self.setWindowTitle(_("Import bank statement"))
        self.country = country
        self.preview = preview
        self._reassign = reassign
        self._confirm = confirm
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = TupleTableModel(
            (
                _("Date"),
                _("Payer"),
                _("Amount"),
                _("Reference"),
                _("Result"),
                _("Invoice"),
                _("Left to pay"),
                _("Note"),
            )
        )
        self.table = QTableView()
        self.table.setObjectName("bank_import_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((85, 170, 75, 170, 150, 100, 80)):
            self.table.horizontalHeader().resizeSection(column, width)
        self.assign_label = QLabel(_("Invoice for the selected entry:"))
        self.invoice_combo = QComboBox()
        self.invoice_combo.setObjectName("bank_import_invoice")
        self.invoice_combo.addItem(_("— leave it unassigned —"), None)
        for inv in preview.open_invoices:
            self.invoice_combo.addItem(
                f"{inv.number} · {inv.child_name} · {inv.payer_name} · {euros(inv.open_cents)}",
                inv.id,
            )
        self.accept_suggestions = QPushButton(_("Accept all suggestions"))
        assign_row = QHBoxLayout()
        assign_row.addWidget(self.assign_label)
        assign_row.addWidget(self.invoice_combo, 1)
        assign_row.addWidget(self.accept_suggestions)
        self.buttons = QDialogButtonBox()
        self.confirm_button = self.buttons.addButton(
            _("Confirm"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.confirm_button.setObjectName("bank_import_confirm")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(assign_row)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(1100, 620)

        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.invoice_combo.activated.connect(self._assign_selected)
        self.accept_suggestions.clicked.connect(self._accept_suggestions)
        self.buttons.accepted.connect(self._confirm_clicked)
        self.buttons.rejected.connect(self.reject)
        self._show()

    # ---- showing ----------------------------------------------------------------------------

    def _show(self) -> None:
        p = self.preview
        rows = []
        for row in p.rows:
            entry, plan = row.entry, row.plan
            invoices = ", ".join(a.invoice_number for a in plan.allocations)
            note = stored_text(plan.reason) if plan.reason else ""
            if plan.suggestion is not None and plan.outcome is Outcome.UNMATCHED:
                note = _("suggested: {invoice}").format(invoice=p.invoices[plan.suggestion].number)
            if plan.surplus_cents:
                note = _("refund of {amount} proposed").format(amount=euros(plan.surplus_cents))
            if plan.assigned:
                note = _("assigned by you")
            rows.append(
                (
                    format_date(entry.day, self.country) if entry.day else "",
                    entry.debtor_name,
                    euros(entry.amount_cents) if entry.credit else "−" + euros(entry.amount_cents),
                    ", ".join(entry.references) or entry.text[:60],
                    outcome_label(plan.outcome),
                    invoices,
                    euros(plan.left_cents) if plan.outcome is Outcome.PARTIAL else "",
                    note,
                )
            )
        current = self.table.currentIndex().row()
        self.model.set_rows(rows)
        if 0 <= current < len(rows):
            self.table.selectRow(current)
        self.summary.setText(
            _(
                "{file}: {book} of {total} entries will be booked ({amount}); {unmatched} not "
                "matched, {already} already imported, {refused} not payments."
            ).format(
                file=p.file_name or p.statement.label,
                book=p.to_book,
                total=len(p.rows),
                amount=euros(p.booked_cents),
                unmatched=p.count(Outcome.UNMATCHED),
                already=p.count(Outcome.ALREADY),
                refused=p.count(Outcome.REFUSED),
            )
        )
        self.confirm_button.setEnabled(p.to_book > 0)
        self.accept_suggestions.setEnabled(
            any(
                r.plan.suggestion is not None for r in p.rows if r.plan.outcome is Outcome.UNMATCHED
            )
        )
        self._row_changed()

    def _selected(self):
        index = self.table.currentIndex()
        return self.preview.rows[index.row()] if index.isValid() else None

    def _row_changed(self, *_args) -> None:
        row = self._selected()
        can = row is not None and (row.plan.outcome is Outcome.UNMATCHED or row.plan.assigned)
        self.invoice_combo.setEnabled(can)
        if row is not None:
            chosen = self.preview.assignments.get(row.entry.key, row.plan.suggestion)
            if row.plan.outcome is Outcome.UNMATCHED and not row.plan.assigned:
                chosen = None
            self.invoice_combo.setCurrentIndex(max(0, self.invoice_combo.findData(chosen)))

    # ---- a person's choices -----------------------------------------------------------------

    def select_entry(self, entry_key: str) -> None:
        for i, row in enumerate(self.preview.rows):
            if row.entry.key == entry_key:
                self.table.selectRow(i)
                return

    def assign(self, entry_key: str, invoice_id: int | None) -> None:
        assignments = dict(self.preview.assignments)
        if invoice_id is None:
            assignments.pop(entry_key, None)
        else:
            assignments[entry_key] = invoice_id
        self._replan(assignments)

    def _assign_selected(self, *_args) -> None:
        row = self._selected()
        if row is not None:
            self.assign(row.entry.key, self.invoice_combo.currentData())

    def _accept_suggestions(self) -> None:
        unmatched = [r.plan for r in self.preview.rows if r.plan.outcome is Outcome.UNMATCHED]
        self._replan({**self.preview.assignments, **with_suggestions_accepted(unmatched)})

    def _replan(self, assignments: dict[str, int]) -> None:
        try:
            self.preview = self._reassign(assignments)
        except Exception as exc:  # a typed refusal: shown, the dialog stays
            self._show_error(exc)
            return
        self._show()

    def _confirm_clicked(self) -> None:
        try:
            self._confirm(self.preview)
        except Exception as exc:
            self._show_error(exc)
            return
        self.accept()

    def _show_error(self, exc: Exception) -> None:
        from desktop.domain.errors import SchoolOfficeError
        from desktop.ui.messages import describe

        if not isinstance(exc, SchoolOfficeError):
            raise exc
        self.error.setText(describe(exc, self.country))
        self.error.show()

    @property
    def booked_rows(self) -> int:
        return sum(1 for r in self.preview.rows if r.plan.outcome in BOOKED)
