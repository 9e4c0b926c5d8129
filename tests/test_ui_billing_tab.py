"""The Billing tab: the list and its filters, a child's money history, the actions through their
dialogs, the "Due today" decisions (R67), printing, and the role split (R121)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from desktop.domain import clock
from desktop.domain.billing.records import LetterKind, OrderedBy, PaymentMethod, ProposalKind
from desktop.domain.billing.states import SubscriptionState
from desktop.domain.roles import Role
from desktop.services.base import Actor
from desktop.services.billing import PaymentInput
from desktop.services.container import Services
from desktop.ui import messages
from desktop.ui.main_window import MainWindow
from desktop.ui.student_picker import StudentPickerDialog
from desktop.ui.tabs.billing import BillingTab
from desktop.ui.tabs.billing import printing as billing_printing
from desktop.ui.tabs.billing.dialogs.letter import LetterDialog
from desktop.ui.tabs.billing.dialogs.payment import PaymentDialog
from desktop.ui.tabs.billing.dialogs.refund import RejectDialog
from tests.billing_fixtures import add_family, order_input, prepare_billing, record_terms_notice

pytestmark = [pytest.mark.gui, pytest.mark.db]
S = SubscriptionState


def _pay(services, sub, on):
    [(_, _, reference, _, owed)] = services.billing.open_invoices(sub.id)
    services.billing.record_payment(
        PaymentInput(owed, PaymentMethod.TRANSFER, on, reference=reference)
    )


@pytest.fixture
def school(services_si):
    """A Slovenian school whose story runs to 20 Nov 2026: the tab opens on that day."""
    clock.install(clock.ShiftedClock.starting_at(datetime(2026, 11, 20, 9, 0, tzinfo=UTC)))
    s = services_si
    terms = prepare_billing(s)
    ana = add_family(s)
    sub = s.billing.order(order_input(ana, terms, date(2025, 10, 2)))
    _pay(s, sub, date(2025, 10, 3))
    for day in (date(2026, 9, 1), date(2026, 10, 8), date(2026, 10, 16), date(2026, 10, 24)):
        s.daily.run(day)
    luka = add_family(s, date(2013, 3, 3), "Luka", "Kranjc", 501, "6.b")
    s.billing.order(order_input(luka, terms, date(2026, 11, 10)))
    eva = add_family(s, date(2014, 1, 9), "Eva", "Zupan", 502, "5.c")
    s.billing.start_trial(
        eva.student_id, OrderedBy.GUARDIAN, guardian_id=eva.mother_id, on=date(2026, 11, 20)
    )
    nik = add_family(s, date(2011, 6, 6), "Nik", "Horvat", 503, "9.a")
    active = s.billing.order(order_input(nik, terms, date(2026, 9, 15), both=True))
    _pay(s, active, date(2026, 9, 16))
    return s


@pytest.fixture
def tab(qtbot, school, inline_workers, monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    tab = BillingTab(school, school.school.require_school())
    qtbot.addWidget(tab)
    tab.resize(1300, 820)
    with qtbot.waitSignal(tab.loaded):
        tab.show()
    return tab


def rows(tab):
    model = tab.controller.model
    return [model.row(i) for i in range(model.visible_count)]


def select(tab, last_name: str) -> tuple:
    sub_id = next(r.id for r in tab.controller.model.rows if r.last_name == last_name)
    tab.controller.select_subscription(sub_id)
    return tab.controller.selected_row()


def test_list_filters_and_due(tab):
    assert {r.last_name for r in rows(tab)} == {"Novak", "Kranjc", "Zupan", "Horvat"}
    assert "4 of 4" in tab.count.text()
    tab.state_combo.setCurrentIndex(tab.state_combo.findData(S.RENEWAL_DUE))
    assert [r.last_name for r in rows(tab)] == ["Novak"]
    tab.state_combo.setCurrentIndex(0)
    tab.class_combo.setCurrentIndex(tab.class_combo.findData("6.b"))
    assert [r.last_name for r in rows(tab)] == ["Kranjc"]
    tab.class_combo.setCurrentIndex(0)
    tab.due_only.setChecked(True)
    assert [r.last_name for r in rows(tab)] == ["Novak"]  # proposal and letters waiting
    assert all(r.due for r in rows(tab))
    tab.due_only.setChecked(False)
    tab.search.setText("mojca kranjc")  # the payer
    assert [r.last_name for r in rows(tab)] == ["Kranjc"]


def test_selecting_shows_the_childs_money_history(tab):
    select(tab, "Horvat")
    assert "Nik Horvat" in tab.child_title.text()
    assert (
        "Mojca Horvat (payer)" in tab.child_info.text() and "Marko Horvat" in tab.child_info.text()
    )
    history = [tab.history_model.row(i) for i in range(tab.history_model.rowCount())]
    assert [h[1].split()[0] for h in history] == ["Invoice", "Payment"]
    assert history[0][3] == "20,00 €"


def test_due_today_lists_the_termination_and_the_letters(tab):
    assert tab.proposals_model.rowCount() == 1
    assert tab.proposals_model.row(0)[0] == "Terminate for non-payment"
    assert "1 decision to confirm" in tab.due_title.text()
    assert "3 letters to print" in tab.letters_label.text()


def test_confirming_a_proposal_records_the_person(tab, school, monkeypatch):
    monkeypatch.setattr(messages, "ask", lambda *a, **k: "confirm")
    [proposal] = tab.controller.proposals
    tab.controller.confirm_proposal(proposal)
    assert tab.proposals_model.rowCount() == 0
    [done] = school.billing.proposals(None)
    assert done.kind is ProposalKind.TERMINATE_NONPAYMENT
    assert done.decided_by == school.actor.login
    novak = next(r for r in tab.controller.model.rows if r.last_name == "Novak")
    assert novak.state is S.TERMINATED_NONPAYMENT
    assert "4 letters to print" in tab.letters_label.text()  # + the termination notice


def test_rejecting_needs_a_reason(tab, school):
    [proposal] = tab.controller.proposals
    tab.controller.reject_proposal(proposal)
    dialog = tab.controller.dialog
    assert isinstance(dialog, RejectDialog)
    dialog.accept()
    assert dialog.isVisible() and "why" in dialog.errors.message("note").lower()
    dialog.note.setPlainText("paid at the counter, receipt 17")
    dialog.accept()
    assert not dialog.isVisible() and tab.proposals_model.rowCount() == 0


def test_payment_through_the_dialog_activates_and_refuses_a_card_number(tab, school):
    select(tab, "Kranjc")
    tab.controller.record_payment()
    dialog = tab.controller.dialog
    assert isinstance(dialog, PaymentDialog) and dialog.amount.text() == "20,00"
    dialog.method.setCurrentIndex(dialog.method.findData(PaymentMethod.CARD))
    dialog.txn.setText("4111 1111 1111 1111")
    dialog.last_four.setText("4242")
    dialog.accept()
    assert dialog.isVisible() and "card number" in dialog.errors.message("processor_txn_id")
    dialog.txn.setText("BANKART-5521")
    dialog.accept()
    assert not dialog.isVisible()
    assert select(tab, "Kranjc").state is S.ACTIVE
    assert "paid in full" in tab.controller.last_status


def test_letter_dialog_with_data_missing_changes_nothing(tab, school, monkeypatch):
    monkeypatch.setattr(messages, "warn", lambda *a: None)
    select(tab, "Horvat")
    tab.controller.register_letter()
    dialog = tab.controller.dialog
    assert isinstance(dialog, LetterDialog)
    dialog.received.setText("28. 2. 2027")
    dialog.guardian_rows[1][2].clear()  # the letter gives no contact for Marko
    dialog.accept()
    assert "cannot be processed" in tab.controller.last_status
    assert select(tab, "Horvat").state is S.ACTIVE


def test_cancellation_letter_registered_and_confirmation_saved(tab, school, monkeypatch, tmp_path):
    answers = iter(["print"])
    monkeypatch.setattr(messages, "ask", lambda *a, **k: next(answers))
    monkeypatch.setattr(billing_printing, "ask_save_path", lambda *a: str(tmp_path / "d5.pdf"))
    select(tab, "Horvat")
    tab.controller.register_letter()
    dialog = tab.controller.dialog
    dialog.received.setText("26. 2. 2027")  # a Friday
    dialog.accept()
    assert not dialog.isVisible()
    assert "takes effect on 27. 2. 2027" in tab.controller.last_status
    assert select(tab, "Horvat").state is S.CANCELLED
    assert (tmp_path / "d5.pdf").read_bytes().startswith(b"%PDF")


def test_withdrawal_letter_takes_the_notice_date_from_the_record(tab, school, monkeypatch):
    """R51/D10: "Terms notice sent on" is pre-filled from the recorded sending of the notice;
    the secretary types nothing, and without a recorded notice the withdrawal is refused."""
    from sqlalchemy import select as sql_select

    from desktop.db.models import TermsVersion

    monkeypatch.setattr(messages, "ask", lambda *a, **k: "later")
    select(tab, "Kranjc")
    tab.controller.register_letter()
    dialog = tab.controller.dialog
    assert dialog.notice_sent.text() == "" and "no notice" in dialog.notice_sent.placeholderText()
    dialog.kind.setCurrentIndex(dialog.kind.findData(LetterKind.TERMS_WITHDRAWAL))
    dialog.accept()
    assert dialog.isVisible()
    assert "No notice of a change of terms" in dialog.errors.message("notice_sent_on")
    dialog.reject()

    with school.db.read() as session:
        version_id = session.scalar(sql_select(TermsVersion.id).limit(1))
    record_terms_notice(school, select(tab, "Horvat").student_id, version_id, date(2026, 11, 18))
    tab.controller.register_letter()
    dialog = tab.controller.dialog
    assert dialog.notice_sent.text() == "18. 11. 2026"  # from the record, not typed
    dialog.kind.setCurrentIndex(dialog.kind.findData(LetterKind.TERMS_WITHDRAWAL))
    assert dialog.values().notice_sent_on is None  # left as it is: the service reads the record
    dialog.accept()
    assert not dialog.isVisible(), dialog.errors.message("notice_sent_on")
    assert "takes effect on 21. 11. 2026" in tab.controller.last_status


def test_new_order_through_the_student_picker(tab, school):
    fresh = add_family(school, date(2012, 9, 9), "Tina", "Kos", 504, "8.b")
    tab.controller.new_order()
    picker = tab.controller.dialog
    assert isinstance(picker, StudentPickerDialog)
    picker.search.setText("Tina Kos")
    picker.accept()
    order = tab.controller.dialog
    order.accept()  # warranties and the free alternative not ticked yet
    assert order.isVisible() and "must confirm" in order.errors.message("warranties_given")
    order.warranties.setChecked(True)
    order.free_alternative.setChecked(True)
    order.accept()
    assert not order.isVisible()
    assert select(tab, "Kos").state is S.ORDERED
    assert school.billing.current_for_student(fresh.student_id).profiles[0].is_payer


def test_printing_the_invoice_and_the_due_letters(tab, monkeypatch, tmp_path):
    proposed = []
    monkeypatch.setattr(
        billing_printing,
        "ask_save_path",
        lambda parent, title, suggested: (
            proposed.append(Path(suggested)) or str(tmp_path / Path(suggested).name)
        ),
    )
    select(tab, "Kranjc")
    tab.controller.print_invoice()
    invoice = tab.controller.preview  # saved, then shown in the print preview
    assert invoice.isVisible() and invoice.pdf == (tmp_path / proposed[0].name).read_bytes()
    tab.controller.print_due_letters()
    # A name that says what, for whom and when, in Documents/School Office.
    assert [p.name for p in proposed] == [
        "Invoice - Luka Kranjc - 2026-11-20.pdf",
        "Letters - 2026-11-20.pdf",
    ]
    assert all(p.parent.name == "School Office" for p in proposed)
    assert tab.controller.preview.pdf.startswith(b"%PDF")
    assert "0 letters to print" in tab.letters_label.text()


def test_office_role_has_no_billing_tab_r121(qtbot, school, db, inline_workers, monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    office = Services(db, Actor("tajnica", "Tajnica", frozenset({Role.OFFICE})))
    window = MainWindow(office, office.school.require_school())
    qtbot.addWidget(window)
    assert "billing" not in window.pages
    billing = Services(db, Actor("eola", "Billing", frozenset({Role.BILLING})))
    window2 = MainWindow(billing, billing.school.require_school())
    qtbot.addWidget(window2)
    assert "billing" in window2.pages
    direct = BillingTab(office, office.school.require_school())
    qtbot.addWidget(direct)
    with qtbot.waitSignal(direct.loaded):
        direct.show()
    assert direct.no_permission.isVisible() and not direct.table.isVisible()
    assert direct.controller.model.total_count == 0
