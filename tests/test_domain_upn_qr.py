from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.errors import ValidationError
from desktop.domain.payment_refs import make_rf, make_si12
from desktop.domain.upn_qr import (
    MAX_PAYLOAD_CHARS,
    UpnQrData,
    build_upn_qr,
    control_sum,
    upn_qr_fields,
    upn_qr_matrix,
)

# The cover example of the ZBS "Tehnični standard UPN QR"; its control sum is 198.
COVER = UpnQrData(
    payer_name="Janez Novak",
    payer_street="Lepa cesta 10",
    payer_city="2000 Maribor",
    amount_cents=1471,
    purpose_code="SCVE",
    purpose="Ravn. z odpadki 04/2016 0040098579",
    due_date=date(2016, 6, 25),
    recipient_iban="SI56 0510 0801 0486 080",
    recipient_reference="SI12 1033842574531",
    recipient_name="Snaga d.o.o.",
    recipient_street="Povšetova ulica 6",
    recipient_city="1000 Ljubljana",
)
COVER_TEXT = (
    "UPNQR\n\n\n\n\nJanez Novak\nLepa cesta 10\n2000 Maribor\n00000001471\n\n\nSCVE\n"
    "Ravn. z odpadki 04/2016 0040098579\n25.06.2016\nSI56051008010486080\nSI121033842574531\n"
    "Snaga d.o.o.\nPovšetova ulica 6\n1000 Ljubljana\n198\n"
)

# Example B of the standard (as used in zint's test suite); its control sum is 238.
EXAMPLE_B = UpnQrData(
    payer_iban="SI56020170014356205",
    payer_reference="SI003528-990",
    payer_name="Združenje bank Slovenije",
    payer_street="Šubičeva 2",
    payer_city="1000 Ljubljana",
    amount_cents=128067,
    purpose_code="ADVA",
    purpose="Plačilo avansa-ponudba 2016/12",
    recipient_iban="SI56051008010486080",
    recipient_reference="SI00123456-67890-12345",
    recipient_name="Novo podjetje d.o.o.",
    recipient_street="Lepa cesta 15",
    recipient_city="3698 Loški Potok",
)
EXAMPLE_B_TEXT = (
    "UPNQR\nSI56020170014356205\n\n\nSI003528-990\nZdruženje bank Slovenije\nŠubičeva 2\n"
    "1000 Ljubljana\n00000128067\n\n\nADVA\nPlačilo avansa-ponudba 2016/12\n\n"
    "SI56051008010486080\nSI00123456-67890-12345\nNovo podjetje d.o.o.\nLepa cesta 15\n"
    "3698 Loški Potok\n238\n"
)

# What the app prints for eŠola (R73): a POPOLNI payment with č š ž in the names.
ESOLA = UpnQrData(
    payer_name="Žiga Čuček Šmid",
    payer_street="Cesta žrtev 7",
    payer_city="2000 Maribor",
    amount_cents=2000,
    purpose_code="OTHR",
    purpose="mojAsistent POPOLNI 2025/26 Žan Kovačič",
    due_date=date(2025, 9, 30),
    recipient_iban="SI56051008010486080",
    recipient_reference=make_si12(202500123),  # ≤ 9 digits: every digit checked
    recipient_name="eŠola d.o.o.",
    recipient_street="Cerkvena ulica 11",
    recipient_city="4290 Tržič",
)


@pytest.mark.parametrize(
    ("data", "text"), [(COVER, COVER_TEXT), (EXAMPLE_B, EXAMPLE_B_TEXT)], ids=["cover", "B"]
)
def test_official_examples_byte_for_byte(data, text):
    payload = build_upn_qr(data)
    assert payload.text == text
    assert payload.data == text.encode("iso-8859-2")
    assert len(payload.data) == len(text)  # one byte per character


def test_structure_of_the_payload():
    payload = build_upn_qr(ESOLA)
    lines = payload.text.split("\n")
    assert len(lines) == 21 and lines[-1] == ""  # 20 fields, each ended by LF
    assert lines[0] == "UPNQR"
    assert lines[8] == "00000002000"
    assert lines[13] == "30.09.2025"
    assert lines[15] == "SI120002025001231"  # no space inside the QR
    assert int(lines[19]) == len(payload.text) - 4  # control sum = fields 1–19 with LFs
    assert payload.fields == tuple(lines[:20])
    # č, š, ž are single ISO 8859-2 bytes
    assert "Čuček".encode("iso-8859-2") in payload.data
    assert bytes([0xC8, 0xA9, 0xAE, 0xE8, 0xB9, 0xBE]) == "ČŠŽčšž".encode("iso-8859-2")


@pytest.mark.parametrize(
    ("cents", "field"),
    [
        (0, "00000000000"),
        (1, "00000000001"),
        (1471, "00000001471"),
        (99_999_999_999, "99999999999"),
    ],
)
def test_amount_is_eleven_digits_of_cents(cents, field):
    assert upn_qr_fields(replace(ESOLA, amount_cents=cents))[8] == field


def test_flags_and_dates():
    fields = upn_qr_fields(replace(ESOLA, urgent=True, payment_date=date(2025, 9, 1)))
    assert (fields[2], fields[3], fields[9], fields[10]) == ("", "", "01.09.2025", "X")
    assert upn_qr_fields(replace(ESOLA, deposit=True))[2] == "X"


def test_rf_reference_is_accepted_compact():
    fields = upn_qr_fields(replace(ESOLA, recipient_reference="rf18 5390 0754 7034"))
    assert fields[15] == "RF18539007547034"
    assert upn_qr_fields(replace(ESOLA, recipient_reference=make_rf("2025000123")))[15].startswith(
        "RF"
    )


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"payer_name": "Ž" * 34}, "payer_name", "longer than 33"),
        ({"recipient_city": "1" * 34}, "recipient_city", "longer than 33"),
        ({"purpose": "č" * 43}, "purpose", "longer than 42"),
        ({"purpose": "Račun €5"}, "purpose", "cannot be printed on a UPN"),
        ({"payer_street": "Ulica 1\n2000 Maribor"}, "payer_street", "single line"),
        ({"purpose_code": "ŠOLA"}, "purpose_code", "4 letters A–Z"),  # settings refuse it too
        ({"purpose_code": "OTH"}, "purpose_code", "4 letters A–Z"),
        ({"amount_cents": -1}, "amount_cents", "0–999"),
        ({"amount_cents": 100_000_000_000}, "amount_cents", "0–999"),
        ({"amount_cents": 20.0}, "amount_cents", "integer cents"),
        ({"recipient_iban": "SI56051008010486081"}, "recipient_iban", "IBAN"),
        ({"payer_iban": "XX00"}, "payer_iban", "IBAN"),
        ({"recipient_reference": "SI12 0002025001232"}, "recipient_reference", "check digit"),
        ({"recipient_reference": "RF17539007547034"}, "recipient_reference", "check digits"),
        ({"recipient_reference": "HR011234"}, "recipient_reference", "starts with"),
        ({"deposit": True, "withdrawal": True}, "withdrawal", "not both"),
    ],
)
def test_validation_errors_name_the_field(change, field, reason):
    with pytest.raises(ValidationError) as info:
        build_upn_qr(replace(ESOLA, **change))
    assert info.value.field == field
    assert reason in info.value.reason


def test_text_is_trimmed_and_limits_count_characters_not_bytes():
    data = replace(ESOLA, payer_name="  " + "Ž" * 33 + " ", purpose="č" * 42)
    fields = upn_qr_fields(data)
    assert fields[5] == "Ž" * 33 and fields[12] == "č" * 42


def test_total_length_is_limited_to_411():
    longest = replace(
        ESOLA,
        payer_iban="MT84MALT011000012345MTLCAST001S",  # 31 characters
        payer_reference="SI00" + "1" * 22,
        payer_name="Ž" * 33,
        payer_street="Ž" * 33,
        payer_city="Ž" * 33,
        payment_date=date(2025, 9, 1),
        urgent=True,
        purpose="č" * 42,
        recipient_iban="MT84MALT011000012345MTLCAST001S",
        recipient_reference="SI00" + "2" * 22,
        recipient_name="Ž" * 33,
        recipient_street="Ž" * 33,
        recipient_city="Ž" * 33,
    )
    with pytest.raises(ValidationError, match=str(MAX_PAYLOAD_CHARS)) as info:
        build_upn_qr(longest)
    assert info.value.field == "payload"
    assert len(build_upn_qr(replace(longest, urgent=False, payment_date=None)).data) <= 411


def test_control_sum_needs_nineteen_fields():
    assert control_sum(upn_qr_fields(COVER)) == "198"
    with pytest.raises(ValueError, match="fields 1 to 19"):
        control_sum(("UPNQR",))


_latin2_text = st.text(
    alphabet=st.sampled_from(
        "abcčćdđefghijklmnoprsštuvzžABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽ .,-/0123456789"
    ),
    max_size=33,
).map(str.strip)


@given(name=_latin2_text, street=_latin2_text, cents=st.integers(0, 99_999_999_999))
def test_any_valid_data_builds_a_consistent_payload(name, street, cents):
    payload = build_upn_qr(replace(ESOLA, payer_name=name, payer_street=street, amount_cents=cents))
    fields = payload.text.split("\n")
    assert fields[5] == name and fields[6] == street
    assert int(fields[19]) == sum(len(f) + 1 for f in fields[:19])
    assert payload.data.decode("iso-8859-2") == payload.text


# --- the symbol ------------------------------------------------------------------------------


def _format_info(matrix) -> int:
    """The 15 format bits next to the top-left finder (ISO/IEC 18004 §7.9), mask removed."""
    n = len(matrix)
    cells = [(i, 8) for i in range(6)] + [(7, 8), (8, 8)] + [(n - 15 + i, 8) for i in range(8, 15)]
    bits = sum(1 << i for i, (r, c) in enumerate(cells) if matrix[r][c])
    return bits ^ 0b101010000010010


def _bch_ok(info: int) -> bool:
    remainder = info
    for shift in range(14, 9, -1):
        if remainder & (1 << shift):
            remainder ^= 0b10100110111 << (shift - 10)
    return remainder == 0


def test_symbol_is_version_15_level_m():
    matrix = upn_qr_matrix(build_upn_qr(ESOLA).data)
    assert len(matrix) == 77 and all(len(row) == 77 for row in matrix)  # version 15
    info = _format_info(matrix)
    assert _bch_ok(info)
    assert info >> 13 == 0b00  # error correction level M


def test_matrix_refuses_oversized_payloads():
    with pytest.raises(ValidationError, match="too long for the QR code"):
        upn_qr_matrix(b"x" * 412)


ZBARIMG = shutil.which("zbarimg")


def _png(matrix, module_px: int = 4, quiet_zone: int = 4) -> bytes:
    """The symbol as a black-on-white PNG with its quiet zone, for zbarimg."""
    from PIL import Image

    side = len(matrix) + 2 * quiet_zone
    image = Image.new("1", (side, side), 1)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                image.putpixel((c + quiet_zone, r + quiet_zone), 0)
    image = image.resize((side * module_px, side * module_px), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (zbar-tools) is not installed")
@pytest.mark.parametrize("data", [ESOLA, COVER, EXAMPLE_B], ids=["esola", "cover", "B"])
def test_png_decodes_back_to_every_field(tmp_path, data):
    payload = build_upn_qr(data)
    png = tmp_path / "upn.png"
    png.write_bytes(_png(upn_qr_matrix(payload.data)))
    run = subprocess.run(
        [ZBARIMG, "--raw", "-q", "-Sbinary", str(png)], capture_output=True, timeout=30, check=True
    )
    out = run.stdout
    # zbar honours ECI 4 and hands back UTF-8; an older zbar returns the raw ISO 8859-2 bytes.
    text = out.decode("iso-8859-2") if out.startswith(payload.data) else out.decode("utf-8")
    assert text.rstrip("\n") == payload.text.rstrip("\n")
    assert tuple(text.split("\n")[:20]) == payload.fields
    assert "č" in text or "š" in text or "ž" in text
