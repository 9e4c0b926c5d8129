"""The fast QR encoder gives reportlab's symbol, module for module, for every mask."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain.qr_matrix import qr_matrix
from desktop.domain.upn_qr import (
    MAX_PAYLOAD_CHARS,
    QR_ECI_ISO_8859_2,
    QR_ERROR_CORRECTION,
    QR_VERSION,
    upn_qr_matrix,
)


def _reportlab(payload: bytes, mask: int) -> tuple[tuple[bool, ...], ...]:
    from reportlab.graphics.barcode import qrencoder

    level = getattr(qrencoder.QRErrorCorrectLevel, QR_ERROR_CORRECTION)
    qr = qrencoder.QRCode(QR_VERSION, level)
    qr.addData(qrencoder.QRECI(QR_ECI_ISO_8859_2))
    qr.addData(qrencoder.QR8bitByte(payload))
    qr.makeImpl(False, mask)
    return tuple(tuple(bool(m) for m in row) for row in qr.modules)


@settings(max_examples=6, deadline=None)
@given(st.binary(min_size=0, max_size=MAX_PAYLOAD_CHARS))
def test_every_mask_matches_reportlab(payload):
    for mask in range(8):
        ours = qr_matrix(payload, QR_VERSION, QR_ERROR_CORRECTION, QR_ECI_ISO_8859_2, mask)
        assert ours == _reportlab(payload, mask)


def test_the_chosen_symbol_is_one_of_the_eight():
    payload = "UPNQR\n\n\n\n\nMojca Novak\nPrešernova ulica 5\n".encode("iso-8859-2")
    chosen = upn_qr_matrix(payload)
    assert len(chosen) == 77 and all(len(row) == 77 for row in chosen)
    assert chosen in {_reportlab(payload, mask) for mask in range(8)}
