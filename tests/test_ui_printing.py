"""Preview, printing and batch printing in the app; the Terms dialog and the Documents menu."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget
from sqlalchemy import func, select

from desktop.db.models import GeneratedDocument
from desktop.domain.errors import Cancelled
from desktop.domain.roster import Relation, RestrictionKind
from desktop.services.demo_terms import seed_demo_terms
from desktop.services.roster import GuardianInput, StudentInput
from desktop.ui import workers
from desktop.ui.dialogs import pdf_preview
from desktop.ui.dialogs.batch_print import (
    BatchOutcome,
    BatchPrint,
    SkippedDialog,
    start_batch_print,
)
from desktop.ui.dialogs.pdf_preview import PdfPreviewDialog
from desktop.ui.dialogs.terms.dialog import TermsDialog
from desktop.ui.dialogs.terms.forms import LanguageForm, PublishForm, VersionForm

pytestmark = [pytest.mark.gui, pytest.mark.db]

KEY = "SI-POPOLNI-TERMS"
CHILDREN = ("Žiga", "Špela", "Čedomir", "Ćamil")
PARENTS = ("Ana", "Đurđa", "Tjaša", "Nika")
CODES = ("0101008505005", "0202009500008", "0303010500004", "0404011505000")


@pytest.fixture(autouse=True)
def _inline(monkeypatch):
    monkeypatch.setenv("SCHOOL_OFFICE_NO_DIALOGS", "1")
    workers.set_inline(True)
    yield
    workers.set_inline(False)


@pytest.fixture
def si(services_si):
    seed_demo_terms(services_si.db, services_si.actor, "SI")
    return services_si


@pytest.fixture
def terms_pdf(si) -> bytes:
    return si.terms.print_in_force(KEY, date(2025, 9, 2), "sl").pdf


def _pages(pdf: bytes) -> list:
    return PdfReader(io.BytesIO(pdf)).pages


# --- preview ------------------------------------------------------------------------------


def test_preview_loads_the_pdf(qtbot, terms_pdf):
    dialog = PdfPreviewDialog(None, terms_pdf, "Pogoji", "pogoji.pdf")
    qtbot.addWidget(dialog)
    assert dialog.page_count() == len(_pages(terms_pdf)) >= 3
    assert dialog.pages_label.text() == f"Pages: {dialog.page_count()}"
    assert dialog.view.document() is dialog.document


def test_printing_to_a_pdf_printer_offscreen(qtbot, terms_pdf, tmp_path):
    dialog = PdfPreviewDialog(None, terms_pdf, "Pogoji")
    qtbot.addWidget(dialog)
    printer = dialog.new_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(150)  # keeps the test quick; the real printer gives its own
    dialog.print_to(printer)
    pages = _pages((tmp_path / "printed.pdf").read_bytes())
    assert len(pages) == dialog.page_count()
    box = pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 1 and abs(float(box.height) - 841.9) < 1  # A4


def test_print_a_page_range_and_cancel(qtbot, terms_pdf, tmp_path):
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "two.pdf"))
    assert pdf_preview.print_pdf(terms_pdf, printer, 2, 3) == 2
    assert len(_pages((tmp_path / "two.pdf").read_bytes())) == 2
    printer.setOutputFileName(str(tmp_path / "cancelled.pdf"))
    done: list[int] = []
    with pytest.raises(Cancelled):
        pdf_preview.print_pdf(
            terms_pdf, printer, progress=lambda i, n: done.append(i), cancel=lambda: bool(done)
        )
    assert done == [1]


def test_save_as_pdf_and_open_in_viewer(qtbot, terms_pdf, tmp_path, monkeypatch):
    dialog = PdfPreviewDialog(None, terms_pdf, "Pogoji", "pogoji.pdf")
    qtbot.addWidget(dialog)
    assert dialog.save_to(tmp_path / "saved.pdf")
    assert (tmp_path / "saved.pdf").read_bytes() == terms_pdf
    assert not dialog.save_to(tmp_path / "missing" / "x.pdf")  # told, not raised
    opened = []
    monkeypatch.setattr(pdf_preview.QDesktopServices, "openUrl", lambda url: opened.append(url))
    path = dialog.open_in_viewer()
    assert path.name == "pogoji.pdf" and path.read_bytes() == terms_pdf
    assert Path(opened[0].toLocalFile()) == path


# --- batch printing -----------------------------------------------------------------------


@pytest.fixture
def klass(si):
    """Four pupils of 7.a, one guardian each; the last one is under a prohibition (R15)."""
    guardians = []
    for code, child, parent in zip(CODES, CHILDREN, PARENTS, strict=True):
        student = si.roster.create_student(StudentInput(child, "Šolar", code, class_name="7.a"))
        student = si.roster.add_guardian(
            student.id, GuardianInput(parent, "Šolar"), Relation.MOTHER
        )
        guardians.append(student.guardians[0])
    si.roster.add_restriction(
        guardians[-1].link_id,
        RestrictionKind.PROHIBITION,
        permanent=True,
        valid_from=si.school.require_school().today() - timedelta(days=1),
        valid_to=None,
        authority="CSD Ljubljana",
    )
    return si


def _batch(qtbot, services, target=None):
    requests = services.terms.requests_for(KEY, services.terms.recipients(class_name="7.a"))
    parent = QWidget()
    qtbot.addWidget(parent)
    return parent, requests, services.terms.batch_builder(KEY)


def _recorded(services) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(GeneratedDocument))


def test_batch_cancelled_half_way_leaves_no_file_and_records_nothing(qtbot, klass, tmp_path):
    parent, requests, build = _batch(qtbot, klass)
    target = tmp_path / "out" / "7a.pdf"
    target.parent.mkdir()
    seen: list[int] = []

    def progressed(done: int, total: int) -> None:
        seen.append(done)
        if done == 2:  # the secretary presses Cancel after the second copy
            job.cancel()

    job = BatchPrint(parent, klass.documents, requests, build, title="7.a", target=target)
    job.progressed.connect(progressed)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        job.start()
    assert seen == [1, 2]
    assert list(target.parent.iterdir()) == []  # neither the PDF nor a temporary file
    assert _recorded(klass) == 0


def test_batch_skips_the_restricted_guardian_and_says_why(qtbot, klass, tmp_path):
    parent, requests, build = _batch(qtbot, klass)
    target = tmp_path / "7a.pdf"
    outcomes: list[BatchOutcome] = []
    job = start_batch_print(
        parent, klass.documents, requests, build, title="7.a", target=target, country="SI"
    )
    job.finished.connect(outcomes.append)
    outcome = job.outcome
    assert outcome.requested == 4 and outcome.printed == 3
    [(_request, reason)] = outcome.skipped
    assert "Nika Šolar may not receive anything about Ćamil Šolar" in reason
    assert target.read_bytes() == outcome.produced.pdf and _recorded(klass) == 3
    text = " ".join(p.extract_text() for p in _pages(outcome.produced.pdf))
    assert text.count("Splošni pogoji za uporabo storitve mojAsistent POPOLNI") >= 3
    dialog = SkippedDialog(parent, outcome)
    assert dialog.findChild(object, "skipped_text").text().startswith("Printed: 3 of 4.")
    assert dialog.findChild(object, "skipped_list").item(0).text() == reason


def test_batch_without_a_target_opens_the_preview(qtbot, klass):
    parent, requests, build = _batch(qtbot, klass)
    allowed, _refused = klass.documents.split_contactable(requests)
    job = start_batch_print(parent, klass.documents, allowed[:1], build, title="Terms")
    assert job.preview_dialog is not None and job.preview_dialog.page_count() >= 4


# --- the Terms dialog ---------------------------------------------------------------------


def test_terms_dialog_lists_versions_and_prints_as_of_a_date(qtbot, si):
    dialog = TermsDialog(None, si, si.school.require_school())
    qtbot.addWidget(dialog)
    assert dialog.documents.count() == 2
    dialog.load_documents(KEY)
    rows = [dialog.model.row(i)[:2] for i in range(dialog.model.rowCount())]
    assert rows == [("1.0", "Superseded"), ("1.1", "In force")]
    assert dialog.current_version().label == "1.1"
    assert not dialog.edit_button.isEnabled() and dialog.print_on_button.isEnabled()

    dialog.print_as_of()
    form = dialog.findChild(LanguageForm)
    form.on.setText("1. 1. 2020")
    form.accept()  # nothing in force then: the form says so and stays open
    assert "version of Splošni pogoji za uporabo storitve mojAsistent POPOLNI was in force" in (
        form.banner.text()
    )  # the title, never the key
    form.on.setText("1. 9. 2025")
    form.language.setCurrentIndex(form.language.findData("en"))
    form.accept()
    assert dialog.preview is not None
    text = " ".join(p.extract_text() for p in _pages(dialog.preview.pdf))
    assert "Version 1.0" in text and "General terms for the use of the mojAsistent" in text


def test_draft_and_publish_from_the_dialog(qtbot, si):
    dialog = TermsDialog(None, si, si.school.require_school())
    qtbot.addWidget(dialog)
    dialog.load_documents(KEY)
    dialog.new_version()
    form = dialog.findChild(VersionForm)
    assert form.label.text() == "1.2"
    assert "7.5 Šola, ki storitev omogoča" in form.texts["sl"].toPlainText()  # from 1.1
    form.texts["sl"].appendPlainText("\n7.6 Nova določba.")
    form.dated_on.setText("20. 11. 2026")
    form.accept()
    assert dialog.current_version().label == "1.2" and not dialog.current_version().published
    assert dialog.edit_button.isEnabled() and dialog.publish_button.isEnabled()

    dialog.publish()
    publish = dialog.findChild(PublishForm)
    assert not publish.effective_from.isEnabled()  # R50: the rule decides
    publish.published_on.setText("21. 11. 2026")
    publish.accept()
    version = si.terms.version_by_label(KEY, "1.2")
    assert version.effective_from == date(2026, 12, 6)  # 21 Nov + 15 days
    assert si.terms.version_by_label(KEY, "1.1").effective_to == date(2026, 12, 5)
    assert not dialog.edit_button.isEnabled()  # published: a new version is needed


def test_documents_menu_opens_the_terms_dialog(qtbot, si):
    from desktop.ui.main_window import MainWindow

    window = MainWindow(si, si.school.require_school())
    qtbot.addWidget(window)
    action = window.findChild(object, "action_terms")
    action.trigger()
    assert isinstance(window.terms_dialog, TermsDialog)
    assert window.findChild(object, "action_print_student").isEnabled()
