"""Payment requests ask for what is still open, and letters are recorded only once written.

Issue 12: an invoice with a part payment asked for the full amount, in words and in its UPN QR
code; a reprint looked like the original; reminders had no QR code. Issue 13: `billing notices`
into a missing folder (or onto a full disk) marked letters printed that were never written.
The QR codes are read back by zbarimg from the page rendered by pdftoppm, not from the payload.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from desktop.cli import EXIT_PROBLEMS, main
from desktop.db.models import BillingNotice, GeneratedDocument
from desktop.domain.billing.records import PaymentMethod
from desktop.services.billing import PaymentInput
from desktop.services.billing_letters import REPRINT_PAYMENT_DAYS
from desktop.services.documents import OutputFolderMissing, OutputNotWritten
from tests.billing_fixtures import PRICE, add_family, order_input, prepare_billing

pytestmark = pytest.mark.db
needs_tools = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg") and shutil.which("pdftotext")),
    reason="needs poppler-utils and zbar-tools",
)
REPO = Path(__file__).resolve().parents[1]
ORDERED = date(2026, 10, 2)  # reminder 1 is due on 17 Oct (R80: order + 15)
REMINDER_DAY = date(2026, 10, 17)


@pytest.fixture
def si(services_si):
    terms = prepare_billing(services_si)
    return services_si, terms


def _family(services, n: int):
    return add_family(services, serial=500 + n, first=f"Ana{chr(65 + n % 26)}", last="Novak")


def _order(services, terms, n: int = 0):
    family = _family(services, n)
    sub = services.billing.order(order_input(family, terms, ORDERED))
    [(invoice_id, number, reference, _, _)] = services.billing.open_invoices(sub.id)
    return invoice_id, number, reference


def _pay(services, reference: str, cents: int, on: date = date(2026, 10, 5)) -> None:
    services.billing.record_payment(
        PaymentInput(cents, PaymentMethod.TRANSFER, on, reference=reference)
    )


def _text(pdf: bytes, folder: Path) -> str:
    path = folder / "text.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", " ", out.stdout.decode().replace("\xa0", " "))


def _qr_codes(pdf: bytes, folder: Path) -> list[list[str]]:
    """The UPN QR codes on the rendered pages, as their 20 fields, page by page."""
    for old in folder.glob("qr-page*.png"):
        old.unlink()
    (folder / "qr.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(folder / "qr.pdf"), str(folder / "qr-page")],
        check=True,
    )
    codes = []
    for png in sorted(folder.glob("qr-page*.png")):
        scanned = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True)
        raw = scanned.stdout
        if not raw:
            continue
        try:  # zbar honours ECI 4 and hands back UTF-8; an older zbar returns ISO 8859-2
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("iso-8859-2")
        codes.append(text.split("\n")[:20])
    return codes


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d} €"


def _documents(services) -> list[GeneratedDocument]:
    with services.db.read() as session:
        return list(session.scalars(select(GeneratedDocument).order_by(GeneratedDocument.id)))


def _notices(services) -> list[BillingNotice]:
    with services.db.read() as session:
        return list(session.scalars(select(BillingNotice).order_by(BillingNotice.id)))


# ---- issue 12: the open balance -------------------------------------------------------------


@needs_tools
def test_part_paid_invoice_asks_for_the_open_balance_and_a_reprint_is_a_copy(
    si, tmp_path, fixed_clock
):
    services, terms = si
    fixed_clock.instant = datetime(2026, 10, 3, 9, 0, tzinfo=UTC)
    invoice_id, number, reference = _order(services, terms)
    first = services.billing_letters.print_invoice(invoice_id)
    body = _text(first.pdf, tmp_path)
    assert "Kopija" not in body and "Za plačilo 20,00 €" in body
    _pay(services, reference, 1000)
    fixed_clock.instant = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    again = services.billing_letters.print_invoice(invoice_id)
    body = _text(again.pdf, tmp_path)
    assert f"Kopija – Račun {number}" in body  # a copy, with the original's number
    assert "Plačano doslej −10,00 €" in body and "Za plačilo 10,00 €" in body
    assert "16,39 € 22 % 3,61 € 20,00 €" in body  # the invoice's lines stay as issued
    new_due = date(2026, 10, 20 + REPRINT_PAYMENT_DAYS)
    assert "Prvotni rok plačila, 16. 10. 2026, je potekel" in body
    assert f"{new_due.day}. {new_due.month}. {new_due.year}" in body
    [fields] = _qr_codes(again.pdf, tmp_path)
    assert fields[8] == "00000001000"  # the open 10.00 €, not the invoice's 20.00 €
    assert fields[13] == new_due.strftime("%d.%m.%Y") and fields[15] == reference
    assert first.document_ids != again.document_ids  # each print is its own recorded document


@needs_tools
def test_every_reminder_carries_a_qr_code_with_the_open_balance(si, tmp_path):
    services, terms = si
    _, _, reference = _order(services, terms, 0)
    _order(services, terms, 1)
    _pay(services, reference, 750)
    services.daily.run(REMINDER_DAY)
    batch = services.billing_letters.print_notices(today=REMINDER_DAY)
    assert batch.printed == 2
    codes = _qr_codes(batch.produced.pdf, tmp_path)
    assert sorted(f[8] for f in codes) == ["00000001250", "00000002000"]
    assert {f[15] for f in codes} >= {reference}
    body = _text(batch.produced.pdf, tmp_path)
    assert "**" not in body and "R80" not in body  # no markup and no rule numbers on paper


_parts = st.lists(st.integers(min_value=1, max_value=PRICE - 1), max_size=4)


@needs_tools
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parts=_parts)
def test_any_part_payments_leave_the_open_balance_in_text_and_qr(si, tmp_path, parts):
    services, terms = si
    n = len(_documents(services)) + 1  # a new child per example
    invoice_id, _, reference = _order(services, terms, n)
    paid = 0
    for cents in parts:
        if paid + cents >= PRICE:
            break
        _pay(services, reference, cents)
        paid += cents
    pdf = services.billing_letters.print_invoice(invoice_id).pdf
    [fields] = _qr_codes(pdf, tmp_path)
    assert int(fields[8]) == PRICE - paid
    assert f"Za plačilo {_euros(PRICE - paid)}" in _text(pdf, tmp_path)


# ---- issue 13: files before records ---------------------------------------------------------


def _due_notices(services, terms, count: int) -> None:
    for n in range(count):
        _order(services, terms, n)
    services.daily.run(REMINDER_DAY)


def _nothing_recorded(services) -> None:
    assert _documents(services) == []
    assert all(n.document_id is None and n.printed_at is None for n in _notices(services))


def test_a_missing_folder_is_one_line_and_nothing_is_recorded(si, tmp_path, capsys):
    services, terms = si
    _due_notices(services, terms, 3)
    url = services.db.engine.url.render_as_string(hide_password=False)
    missing = tmp_path / "no such folder"
    args = ["billing", "notices", "--out", str(missing / "n.pdf"), "--on", "2026-10-17"]
    assert main(["--database", url, *args]) == EXIT_PROBLEMS
    err = capsys.readouterr().err.strip()
    assert err == f"error: the folder {missing} does not exist"
    _nothing_recorded(services)
    with pytest.raises(OutputFolderMissing):
        services.billing_letters.print_invoice(1, out=missing / "i.pdf")
    assert _documents(services) == []


def test_a_full_disk_records_nothing_and_leaves_no_temp_file(si, tmp_path, monkeypatch):
    services, terms = si
    _due_notices(services, terms, 3)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("desktop.documents.builders.os.fsync", full)
    with pytest.raises(OutputNotWritten, match="No space left on device"):
        services.billing_letters.print_notices(today=REMINDER_DAY, out=tmp_path / "n.pdf")
    _nothing_recorded(services)
    assert list(tmp_path.glob("*n.pdf*")) == []
    monkeypatch.undo()
    batch = services.billing_letters.print_notices(today=REMINDER_DAY, out=tmp_path / "n.pdf")
    assert batch.printed == 3 and (tmp_path / "n.pdf").read_bytes() == batch.produced.pdf
    documents = _documents(services)
    assert [d.id for d in documents] == [1, 2, 3]  # the failed run used no numbers
    assert {d.sha256 for d in documents} == {batch.produced.sha256}


@pytest.mark.skipif(
    sys.platform != "linux" or os.geteuid() != 0, reason="mounting a tmpfs needs root"
)
def test_a_really_full_disk_a_small_tmpfs(si, tmp_path):
    services, terms = si
    _due_notices(services, terms, 30)
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        with pytest.raises(OutputNotWritten, match="No space left on device"):
            services.billing_letters.print_notices(today=REMINDER_DAY, out=small / "n.pdf")
        assert list(small.iterdir()) == []  # the temp file is gone again
    finally:
        subprocess.run(["umount", str(small)], check=True)
    _nothing_recorded(services)


def test_a_killed_batch_leaves_no_orphan_rows_and_the_rerun_prints_all(si, tmp_path):
    services, terms = si
    if services.db.engine.dialect.name != "sqlite":
        pytest.skip("the kill test runs the CLI against a SQLite file")
    count = 40
    _due_notices(services, terms, count)
    url = services.db.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "letters.pdf"
    command = [sys.executable, "-m", "desktop", "--database", url, "billing", "notices"]
    command += ["--out", str(out), "--on", REMINDER_DAY.isoformat()]
    killed = 0
    for delay in (0.3, 0.8, 1.3, 1.8, 2.4, 3.0):
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
        time.sleep(delay)  # a kill at some moment of the run: start-up, build, write, record
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
        documents = _documents(services)
        assert all(d.sha256 for d in documents)  # never a row without its file's hash
        printed = [n for n in _notices(services) if n.document_id is not None]
        assert len(printed) in (0, count)  # all or nothing
        assert {n.document_id for n in printed} == {d.document_id for d in documents}
        if printed:
            break
    assert killed, "the batch always finished before the kill"
    if not _documents(services):
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert f"{count} letter(s) written" in done.stdout
    documents = _documents(services)
    assert [d.id for d in documents] == list(range(1, count + 1))  # no gap: nothing renumbered
    assert len({d.sha256 for d in documents}) == 1 and out.is_file()
    assert all(n.document_id is not None for n in _notices(services))
