"""The Cards tab on a demo school: filters, every transition, the yearly extension with its
preview, printing, photos, and the provider link (sync, pause, needs attention)."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from PIL import Image
from PySide6.QtWidgets import QDialog

from desktop.domain.cards.outbox import RetryPolicy
from desktop.domain.roster import Country
from desktop.integrations.card_provider import CardProviderClient
from desktop.services.container import Services
from desktop.services.demo import DemoService
from desktop.ui import messages
from desktop.ui.student_picker import StudentPickerDialog
from desktop.ui.tabs.cards import CardsTab
from desktop.ui.tabs.cards import controller as cards_controller
from desktop.ui.tabs.cards.dialogs import (
    ActivationDialog,
    ExtendPreviewDialog,
    NeedsAttentionDialog,
    ReasonDialog,
    ReferDialog,
)
from tests.conftest import make_services
from tests.fake_card_provider import Failure, card_provider  # noqa: F401

pytestmark = [pytest.mark.gui, pytest.mark.db]

LAST_YEAR = date(2025, 10, 1)  # cards issued then ran out on 31 Aug 2026


@pytest.fixture
def demo(db) -> Services:
    services = make_services(db, Country.EE)
    DemoService(db, services.actor).fill(Country.EE, 24, cards=False)
    enrolled = [r for r in services.roster.table_rows() if r.personal_code]  # with an isikukood
    for row in enrolled[:6]:
        services.cards.issue_physical(row.id, today=LAST_YEAR)
    return services


@pytest.fixture
def tab(qtbot, demo, inline_workers, monkeypatch) -> CardsTab:
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    tab = CardsTab(demo, demo.school.require_school())
    qtbot.addWidget(tab)
    tab.resize(1300, 800)
    with qtbot.waitSignal(tab.loaded):
        tab.show()
    return tab


def answer(monkeypatch, key: str) -> None:
    monkeypatch.setattr(messages, "ask", lambda *args, **kwargs: key)


def rows(tab) -> list[tuple]:
    model = tab.controller.model
    return [model.row(i) for i in range(model.visible_count)]


def select(tab, card_id: int) -> tuple:
    tab.controller.select_card(card_id)
    return tab.controller.selected_row()


def pick(tab, text: str) -> None:
    picker = tab.controller.dialog
    assert isinstance(picker, StudentPickerDialog)
    picker.search.setText(text)
    picker.accept()


def test_table_and_filters(tab, demo):
    assert tab.controller.model.total_count == 6 and "6 of 6" in tab.count.text()
    assert {r.status for r in rows(tab)} == {"ACTIVE"}
    tab.expiry.setText("01.09.2026")
    assert tab.controller.model.visible_count == 6  # valid until 31.08.2026
    tab.expiry.setText("31.08.2026")
    assert tab.controller.model.visible_count == 0
    tab.expiry.setText("31.0")  # half typed: no filter, the field is marked
    assert tab.controller.model.visible_count == 6 and "b3261e" in tab.expiry.styleSheet()
    tab.expiry.clear()
    tab.status_combo.setCurrentIndex(tab.status_combo.findData("LOST"))
    assert tab.controller.model.visible_count == 0
    tab.status_combo.setCurrentIndex(0)
    first_class = tab.class_combo.itemData(1)
    tab.class_combo.setCurrentIndex(1)
    assert {r.class_name for r in rows(tab)} == {first_class}


def test_selecting_a_card_shows_the_students_history(tab):
    row = select(tab, rows(tab)[0].id)
    assert tab.student_title.text().startswith(f"{row.first_name} {row.last_name}")
    assert tab.history_model.rowCount() == 1
    assert "Issued" in tab.history_model.row(0)[3]
    assert tab.actions_by_key["lost"].isEnabled()
    assert not tab.actions_by_key["close"].isEnabled()


def test_issue_through_the_student_picker(tab, demo):
    without = [r for r in demo.roster.table_rows() if r.personal_code][10]
    tab.controller.issue()
    pick(tab, without.personal_code)  # by isikukood
    new = [r for r in rows(tab) if r.student_id == without.id]
    assert len(new) == 1 and new[0].status == "ACTIVE"
    assert tab.controller.selected_row().id == new[0].id
    assert "issued" in tab.last_status


def test_issuing_twice_shows_the_reason_in_the_picker(tab, demo):
    held = rows(tab)[0]
    select(tab, held.id)
    tab.controller.issue()
    picker = tab.controller.dialog
    picker.accept()  # preselected: the student of the selected card
    assert picker.isVisible() and "already has this card" in picker.banner.text() + "".join(
        picker.errors.message(f) for f in ("card", "student")
    )
    # The dialog grows for the message: the list never covers the buttons.
    picker.layout().activate()
    assert picker.list.geometry().bottom() < picker.buttons.geometry().top()


def test_lost_then_replace_leaves_the_virtual_card_alone(tab, demo, monkeypatch):
    held = rows(tab)[0]
    code = next(r.personal_code for r in demo.roster.table_rows() if r.id == held.student_id)
    virtual = demo.cards.record_activation(held.student_id, code)
    tab.refresh()
    answer(monkeypatch, "replace")
    select(tab, held.id)
    tab.actions_by_key["lost"].trigger()
    cards = {r.id: r for r in rows(tab) if r.student_id == held.student_id}
    assert cards[held.id].status == "REPLACED"
    assert cards[virtual.id].status == "ACTIVE" and cards[virtual.id].version == virtual.version
    new = tab.controller.selected_row()
    assert new.status == "ACTIVE" and new.card_number != held.card_number
    assert f"Card {held.card_number} blocked" in tab.last_status


def test_lost_is_not_reported_without_confirmation(tab, monkeypatch):
    answer(monkeypatch, "cancel")
    held = select(tab, rows(tab)[0].id)
    tab.controller.report_lost()
    assert tab.controller.selected_row().status == "ACTIVE" == held.status


def test_revoke_needs_a_reason(tab):
    held = select(tab, rows(tab)[0].id)
    tab.controller.revoke()
    dialog = tab.controller.dialog
    assert isinstance(dialog, ReasonDialog)
    dialog.accept()
    assert dialog.isVisible() and dialog.errors.message("reason")
    dialog.reason.setText("card withdrawn")
    dialog.accept()
    assert next(r for r in rows(tab) if r.id == held.id).status == "REVOKED"


def test_activation_refuses_a_wrong_code_and_records_the_right_one(tab, demo):
    student = [r for r in demo.roster.table_rows() if r.personal_code][12]
    tab.controller.record_activation()
    pick(tab, student.personal_code)
    dialog = tab.controller.dialog
    assert isinstance(dialog, ActivationDialog)
    dialog.code.setText("61205171232" if student.personal_code != "61205171232" else "51205171231")
    dialog.accept()
    assert dialog.isVisible() and "not the one in the roster" in dialog.banner.text()
    dialog.code.setText(f"PNOEE-{student.personal_code}")
    dialog.accept()
    assert not dialog.isVisible()
    virtual = [r for r in rows(tab) if r.student_id == student.id]
    assert [(str(r.kind), r.status) for r in virtual] == [("VIRTUAL", "ACTIVE")]


def test_close_virtual_card(tab, demo):
    held = rows(tab)[0]
    code = next(r.personal_code for r in demo.roster.table_rows() if r.id == held.student_id)
    virtual = demo.cards.record_activation(held.student_id, code)
    tab.refresh()
    select(tab, virtual.id)
    assert tab.actions_by_key["close"].isEnabled() and not tab.actions_by_key["lost"].isEnabled()
    tab.controller.close_virtual()
    tab.controller.dialog.reason.setText("entitlement removed")
    tab.controller.dialog.accept()
    assert next(r for r in rows(tab) if r.id == virtual.id).status == "CLOSED"


def test_extend_all_shows_the_preview_then_applies(tab, demo):
    tab.controller.extend_all()
    dialog = tab.controller.dialog
    assert isinstance(dialog, ExtendPreviewDialog)
    preview = dialog.table.model()
    assert preview.rowCount() >= 6  # 6 cards to extend, plus entitlements to publish
    assert all(r.status == "ACTIVE" for r in rows(tab))
    before = {r.id: r.valid_until for r in rows(tab)}
    dialog.accept()
    after = {r.id: r.valid_until for r in rows(tab)}
    assert all(after[i] > before[i] for i in before)
    assert "extended" in tab.last_status


def test_print_sheet_opens_the_selected_cards_in_the_preview(tab, tmp_path):
    tab.table.selectAll()
    assert tab.actions_by_key["print_sheet"].isEnabled()
    tab.actions_by_key["print_sheet"].trigger()
    preview = tab.controller.preview
    assert preview.isVisible() and preview.pdf.startswith(b"%PDF")
    assert preview.file_name == "Cards (A4 sheet) - 2026-12-07.pdf"  # what, and the day
    assert not preview.delivered
    assert preview.save_to(tmp_path / preview.file_name) and preview.delivered
    assert (tmp_path / preview.file_name).read_bytes() == preview.pdf
    preview.close()


def test_import_photo_shows_it(tab, tmp_path, monkeypatch):
    path = tmp_path / "face.png"
    Image.new("RGB", (600, 800), (200, 150, 120)).save(path)
    monkeypatch.setattr(cards_controller, "ask_open_path", lambda *a: str(path))
    select(tab, rows(tab)[0].id)
    tab.photo_button.click()
    assert not tab.photo.pixmap().isNull()
    small = tmp_path / "small.jpg"
    Image.new("RGB", (100, 100)).save(small)
    monkeypatch.setattr(cards_controller, "ask_open_path", lambda *a: str(small))
    shown = []
    monkeypatch.setattr(messages, "_show", lambda parent, icon, title, text: shown.append(text))
    tab.photo_button.click()
    assert "at least 300 × 400 px" in shown[0]


def test_refer_to_the_provider_lists_the_configured_contacts(tab, demo):
    held = rows(tab)[0]
    code = next(r.personal_code for r in demo.roster.table_rows() if r.id == held.student_id)
    virtual = demo.cards.record_activation(held.student_id, code)
    demo.cards.update_settings(0, "TK", [("Support line", "+372 5555 0000")])
    tab.refresh()
    select(tab, virtual.id)
    tab.refer_button.click()
    dialog = tab.controller.dialog
    assert isinstance(dialog, ReferDialog)
    assert "+372 5555 0000" in dialog.contacts.text()
    dialog.log_button.click()
    assert not dialog.isVisible() and "suspension requested" in tab.last_status
    assert "7 pending" in tab.link_text.text()  # 6 new entitlements + the suspension request


def test_sync_now_pause_on_401_and_needs_attention(tab, demo, monkeypatch, card_provider):  # noqa: F811
    from desktop.settings import Settings, save_settings

    save_settings(Settings(card_provider_url=card_provider.base_url))
    sync = demo.card_sync
    sync.client_factory = lambda: CardProviderClient(card_provider.base_url, card_provider.token)
    tab.refresh()
    assert "pending" in tab.link_text.text() and tab.sync_button.isEnabled()

    card_provider.fail_next(Failure.UNAUTHORIZED)
    tab.sync_button.click()
    assert "paused" in tab.link_text.text() and tab.link_text.property("state") == "error"

    tab.sync_button.click()
    assert "last successful sync" in tab.link_text.text() and "0 pending" in tab.link_text.text()
    assert card_provider.total_applied == 6

    # A rejected event lands in "needs attention"; Retry puts it back in the queue.
    sync.policy = RetryPolicy(gives_up_after=1)
    card_provider.fail_next(Failure.ERROR_500)
    held = rows(tab)[0]
    demo.cards.extend(held.student_id)
    tab.sync_button.click()
    assert tab.attention_button.isEnabled() and "(1)" in tab.attention_button.text()
    tab.attention_button.click()
    dialog = tab.controller.dialog
    assert isinstance(dialog, NeedsAttentionDialog) and dialog.table.model().rowCount() == 1
    dialog.retry_button.click()
    assert dialog.table.model().rowCount() == 0
    dialog.done(QDialog.DialogCode.Rejected)
    tab.sync_button.click()
    assert not tab.attention_button.isEnabled() and "0 pending" in tab.link_text.text()


def test_automatic_sync_runs_only_when_there_is_work(tab, demo, card_provider):  # noqa: F811
    from desktop.settings import Settings, save_settings

    calls = []
    demo.card_sync.client_factory = lambda: (
        calls.append(1) or CardProviderClient(card_provider.base_url, card_provider.token)
    )
    tab.controller.auto_sync()  # not set up: nothing happens
    assert calls == []
    save_settings(Settings(card_provider_url=card_provider.base_url))
    tab.controller.auto_sync()
    assert calls == [1] and card_provider.total_applied == 6
    tab.controller.auto_sync()  # nothing pending any more
    assert calls == [1]


def test_a_billing_clerk_sees_no_card_actions(qtbot, db, demo, inline_workers):
    from desktop.domain.roles import Role
    from desktop.services.base import Actor

    clerk = Services(db, Actor("billing1", "Billing", frozenset({Role.BILLING})))
    tab = CardsTab(clerk, demo.school.require_school())
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.loaded):
        tab.show()
    assert "Office role" in tab.link_text.text()
    assert not any(a.isEnabled() for a in tab.actions_by_key.values())


def test_photo_on_print_data(tab, demo, tmp_path):
    held = rows(tab)[0]
    buf = BytesIO()
    Image.new("RGB", (300, 400), (1, 2, 3)).save(buf, "JPEG")
    demo.cards.import_photo(held.student_id, buf.getvalue())
    [printable] = demo.cards.printable([held.id])
    assert printable.photo and printable.card_number == held.card_number


def test_card_settings_dialog(tab, demo, monkeypatch):
    from desktop.integrations import secrets
    from desktop.ui.tabs.cards.dialogs import CardSettingsDialog

    stored = {}
    monkeypatch.setattr(secrets, "set_secret", lambda key, value: stored.__setitem__(key, value))
    monkeypatch.setattr(secrets, "get_secret", lambda key: stored.get(key))
    assert "not set up" in tab.link_text.text()
    tab.settings_button.click()
    dialog = tab.controller.dialog
    assert isinstance(dialog, CardSettingsDialog)
    dialog.school_code.setText("T1")
    dialog.url.setText("http://provider.example")
    dialog.accept()
    assert dialog.isVisible() and dialog.errors.message("card_provider_url")
    dialog.url.setText("https://provider.example")
    dialog.accept()
    assert dialog.isVisible() and dialog.errors.message("card_prefix")
    dialog.school_code.setText("tkk")
    dialog.contacts.setPlainText("Web: https://konnekt.ee\nhello@konnekt.ee")
    dialog.token.setText("tok-123")
    dialog.accept()
    assert not dialog.isVisible()
    assert demo.cards.settings().school_code == "TKK"
    assert demo.cards.settings().support_contacts == (
        ("Web", "https://konnekt.ee"),
        ("", "hello@konnekt.ee"),
    )
    assert stored == {secrets.CARD_PROVIDER_TOKEN_KEY: "tok-123"}
    assert "not set up" not in tab.link_text.text()


def test_extend_is_offered_only_for_a_card_that_can_be_extended(qtbot, tab, demo):
    card = select(tab, rows(tab)[0].id)
    assert tab.actions_by_key["extend"].isEnabled()
    demo.cards.revoke(card.id, card.version, "Withdrawn")
    with qtbot.waitSignal(tab.loaded):
        tab.controller.load()
    select(tab, card.id)
    assert tab.controller.selected_row().status == "REVOKED"
    assert not tab.actions_by_key["extend"].isEnabled()
