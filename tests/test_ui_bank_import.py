"""Billing → Import bank statement…: the preview, a person's assignment, Confirm (pytest-qt)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import Qt

from desktop.domain import clock
from desktop.domain.bank_matching import Outcome
from desktop.ui.tabs.billing import BillingTab
from desktop.ui.tabs.billing import controller as billing_controller
from desktop.ui.tabs.billing.bank_import import BankImportDialog
from tests.billing_fixtures import add_family, order_input, prepare_billing, si_iban
from tests.camt_generator import Entry, Tx, build

pytestmark = [pytest.mark.gui, pytest.mark.db]


@pytest.fixture
def school(services_si):
    clock.install(clock.FixedClock(datetime(2026, 10, 1, 9, 0, tzinfo=UTC)))
    s = services_si
    terms = prepare_billing(s)
    invoices = []
    for i, (first, last) in enumerate((("Ana", "Novak"), ("Luka", "Kranjc"), ("Eva", "Zupan"))):
        family = add_family(s, date(2012, 3, 1 + i), first, last, 500 + 10 * i)
        sub = s.billing.order(order_input(family, terms, date(2026, 9, 10)))
        invoices.append(s.billing.open_invoices(sub.id)[0])
    return s, invoices


@pytest.fixture
def tab(qtbot, school, inline_workers, monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    s, _invoices = school
    tab = BillingTab(s, s.school.require_school())
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.loaded):
        tab.show()
    return tab


def test_import_preview_assign_and_confirm(tab, school, tmp_path, qtbot, monkeypatch):
    s, [(ana_id, _n1, ana_ref, _a1, ana_owed), (luka_id, *_r), (eva_id, _n3, eva_ref, _a, _o)] = (
        school
    )
    day = date(2026, 9, 25)
    data = build(
        [
            Entry(
                "E1",
                [
                    Tx(
                        ana_owed,
                        references=[ana_ref[:4] + " " + ana_ref[4:]],
                        debtor_name="Mojca Novak",
                    )
                ],
                day,
            ),
            Entry("E2", [Tx(1000, references=[eva_ref], debtor_name="Mojca Zupan")], day),
            Entry("E3", [Tx(2000, text="šolnina", debtor_name="KRANJC MOJCA")], day),
            Entry("E4", [Tx(500, text="vračilo")], day, credit=False),
        ],
        account_iban=si_iban(),
        version="camt.053.001.08",
    )
    path = tmp_path / "izpisek.xml"
    path.write_bytes(data)
    monkeypatch.setattr(billing_controller, "ask_statement_path", lambda *a: str(path))
    action = tab.actions_by_key["bank"]
    assert action.isEnabled()
    action.trigger()
    dialog = tab.controller.dialog
    assert isinstance(dialog, BankImportDialog)
    rows = [dialog.model.row(i) for i in range(dialog.model.rowCount())]
    assert [r[4] for r in rows] == ["Paid", "Part paid", "Not matched", "Not a payment"]
    assert rows[1][6] == "10,00 €"  # the balance left
    assert "suggested:" in rows[2][7]
    assert "2 of 4 entries will be booked" in dialog.summary.text()

    # the person takes the suggestion for the entry without a reference
    dialog.select_entry(dialog.preview.rows[2].entry.key)
    assert dialog.invoice_combo.isEnabled()
    dialog.invoice_combo.setCurrentIndex(dialog.invoice_combo.findData(luka_id))
    dialog.invoice_combo.activated.emit(dialog.invoice_combo.currentIndex())
    assert dialog.preview.rows[2].plan.outcome is Outcome.MATCHED
    assert dialog.model.row(2)[7] == "assigned by you"

    with qtbot.waitSignal(tab.loaded):
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == BankImportDialog.DialogCode.Accepted
    assert "3 payments booked" in tab.controller.last_status
    left = {i: owed for i, _n, _r, _a, owed in _all_open(s)}
    assert ana_id not in left and luka_id not in left and left[eva_id] == 1000

    # the same file again: nothing to book, Confirm is off
    action.trigger()
    again = tab.controller.dialog
    assert again.preview.count(Outcome.ALREADY) == 3 and not again.confirm_button.isEnabled()
    again.reject()


def _all_open(s):
    out = []
    for row in s.billing.table_rows():
        out += s.billing.open_invoices(row.id)
    return out


def test_a_bad_file_is_refused_with_a_message(tab, tmp_path, monkeypatch):
    from desktop.ui import messages

    shown = []
    monkeypatch.setattr(messages, "show_error", lambda *a, **k: shown.append(a[1]))
    path = tmp_path / "not.xml"
    path.write_bytes(b"<html/>")
    monkeypatch.setattr(billing_controller, "ask_statement_path", lambda *a: str(path))
    tab.actions_by_key["bank"].trigger()
    assert len(shown) == 1 and "not a bank statement" in str(shown[0])
    assert tab.controller.dialog is None
