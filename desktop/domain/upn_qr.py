"""UPN QR payload for Slovenian payment orders (R73, R77): the text inside the QR code.

Sources (Združenje bank Slovenije, "Tehnični standard UPN QR" §5, published at upn-qr.si and
zbs-giz.si; cross-checked with the standard's own example payloads as used in zint's test suite,
with franga2000/upnqr and with okapibarcode's UpnQr):
- 19 data fields, each ended by LF, in this fixed order: "UPNQR", payer IBAN, deposit "X",
  withdrawal "X", payer reference, payer name, street, city, amount (11 digits, cents, zero
  padded), payment date, urgent "X", purpose code (4 capitals), purpose, payment deadline,
  recipient IBAN, recipient reference, recipient name, street, city;
- field 20, the control sum: the length of fields 1–19 counting their 19 LFs, 3 digits, then LF
  (the standard's cover example sums to 198, its example B to 238);
- dates DD.MM.YYYY; IBAN and reference without spaces;
- at most 411 characters in all, ISO 8859-2, one byte per character;
- the symbol: QR version 15 (77×77), error correction M, ECI 000004 (ISO 8859-2), byte mode.

`build_upn_qr` only builds text; `upn_qr_matrix` lays out the symbol, which the invoice draws.
reportlab's own encoder is used for the symbol: it can be pinned to version 15 and level M and
takes an ECI segment plus raw bytes, so no extra QR library is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from desktop.domain.errors import ValidationError
from desktop.domain.payment_refs import (
    validate_iban,
    validate_purpose_code,
    validate_rf,
    validate_si12,
)
from desktop.i18n import N_, Nn_  # refusals are shown translated by the UI

ENCODING = "iso-8859-2"
HEADER = "UPNQR"
MAX_PAYLOAD_CHARS = 411  # version 15-M byte capacity left after the ECI designator
MAX_AMOUNT_CENTS = 99_999_999_999  # 11 digits
QR_VERSION = 15
QR_ERROR_CORRECTION = "M"
QR_ECI_ISO_8859_2 = 4

# Maximum lengths of the free-text fields (Tehnični standard UPN QR §5.2).
FIELD_MAX_LENGTHS = {
    "payer_iban": 34,
    "payer_reference": 26,
    "payer_name": 33,
    "payer_street": 33,
    "payer_city": 33,
    "purpose_code": 4,
    "purpose": 42,
    "recipient_iban": 34,
    "recipient_reference": 26,
    "recipient_name": 33,
    "recipient_street": 33,
    "recipient_city": 33,
}

# "SI" + two-digit model + up to 22 digits/hyphens, or "RF" + check digits + up to 21 characters.
_SI_REFERENCE = re.compile(r"SI\d{2}[0-9\-]{0,22}")


@dataclass(frozen=True)
class UpnQrData:
    """One payment order. Amounts are integer cents (R5); text is trimmed before use."""

    payer_name: str
    payer_street: str
    payer_city: str
    amount_cents: int
    purpose_code: str
    purpose: str
    recipient_iban: str
    recipient_reference: str
    recipient_name: str
    recipient_street: str
    recipient_city: str
    due_date: date | None = None
    payer_iban: str = ""
    payer_reference: str = ""
    deposit: bool = False
    withdrawal: bool = False
    payment_date: date | None = None
    urgent: bool = False


@dataclass(frozen=True)
class UpnQrPayload:
    text: str
    data: bytes  # `text` in ISO 8859-2: what goes into the QR symbol

    @property
    def fields(self) -> tuple[str, ...]:
        """The 20 fields (19 data fields + control sum)."""
        return tuple(self.text.split("\n")[:20])


def _text(name: str, value: str) -> str:
    value = value.strip()
    if any(c in value for c in "\r\n\t"):
        raise ValidationError(name, value, N_("must be a single line"))
    try:
        value.encode(ENCODING)
    except UnicodeEncodeError as exc:
        bad = value[exc.start]
        raise ValidationError(
            name,
            value,
            N_("the character {character} cannot be printed on a UPN form", character=bad),
        ) from None
    limit = FIELD_MAX_LENGTHS[name]
    if len(value) > limit:
        raise ValidationError(
            name,
            value,
            Nn_(
                "is longer than {n} character (it has {length})",
                "is longer than {n} characters (it has {length})",
                limit,
                length=len(value),
            ),
        )
    return value


def _iban(name: str, value: str) -> str:
    return validate_iban(value, name) if value.strip() else ""


def _reference(name: str, value: str) -> str:
    compact = re.sub(r"\s", "", value).upper()
    if not compact:
        return ""
    if compact.startswith("RF"):
        return validate_rf(compact, name)
    if compact.startswith("SI12"):
        return validate_si12(compact, name).replace(" ", "")
    if _SI_REFERENCE.fullmatch(compact):
        return compact  # other SI models: format only, their check digits vary by model
    raise ValidationError(
        name, value, N_("a reference starts with SI and the model number, or with RF")
    )


def _flag(value: bool) -> str:
    return "X" if value else ""


def _date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def upn_qr_fields(data: UpnQrData) -> tuple[str, ...]:
    """The 19 data fields in the standard's order, validated (ValidationError otherwise)."""
    amount = data.amount_cents
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationError("amount_cents", amount, N_("the amount must be integer cents"))
    if not 0 <= amount <= MAX_AMOUNT_CENTS:
        raise ValidationError("amount_cents", amount, N_("the amount must be 0–999,999,999.99"))
    code = validate_purpose_code(data.purpose_code, "purpose_code")
    if data.deposit and data.withdrawal:
        raise ValidationError(
            "withdrawal", True, N_("a UPN is a deposit or a withdrawal, not both")
        )
    return (
        HEADER,
        _text("payer_iban", _iban("payer_iban", data.payer_iban)),
        _flag(data.deposit),
        _flag(data.withdrawal),
        _text("payer_reference", _reference("payer_reference", data.payer_reference)),
        _text("payer_name", data.payer_name),
        _text("payer_street", data.payer_street),
        _text("payer_city", data.payer_city),
        f"{amount:011d}",
        _date(data.payment_date),
        _flag(data.urgent),
        code,
        _text("purpose", data.purpose),
        _date(data.due_date),
        _text("recipient_iban", _iban("recipient_iban", data.recipient_iban)),
        _text("recipient_reference", _reference("recipient_reference", data.recipient_reference)),
        _text("recipient_name", data.recipient_name),
        _text("recipient_street", data.recipient_street),
        _text("recipient_city", data.recipient_city),
    )


def control_sum(fields: tuple[str, ...]) -> str:
    """Field 20: length of fields 1–19 including one LF after each, as 3 digits."""
    if len(fields) != 19:
        raise ValueError("the control sum covers exactly fields 1 to 19")
    return f"{sum(len(f) for f in fields) + 19:03d}"


def build_upn_qr(data: UpnQrData) -> UpnQrPayload:
    """The UPN QR text and its ISO 8859-2 bytes (ValidationError if a field or the total
    does not fit)."""
    fields = upn_qr_fields(data)
    text = "".join(f + "\n" for f in (*fields, control_sum(fields)))
    if len(text) > MAX_PAYLOAD_CHARS:
        raise ValidationError(
            "payload",
            len(text),
            N_("at most {limit} characters fit in the QR code", limit=MAX_PAYLOAD_CHARS),
        )
    return UpnQrPayload(text, text.encode(ENCODING))


# ---------------------------------------------------------------------------------------------
# The symbol (reportlab imported lazily)
# ---------------------------------------------------------------------------------------------


def upn_qr_matrix(payload: bytes) -> tuple[tuple[bool, ...], ...]:
    """The 77×77 modules (True = dark) of the UPN QR symbol, without quiet zone."""
    return tuple(tuple(ch == "1" for ch in row) for row in upn_qr_rows(payload))


def upn_qr_rows(payload: bytes) -> tuple[str, ...]:
    """The same symbol as 77 rows of "0"/"1" (1 = dark): what the invoice draws. Encoded by
    desktop.domain.qr_matrix, about 40 times faster than reportlab's encoder (the same symbol
    for the same mask), so every reminder can carry its QR code."""
    from desktop.domain.qr_matrix import qr_rows

    if len(payload) > MAX_PAYLOAD_CHARS:
        raise ValidationError("payload", len(payload), N_("is too long for the QR code"))
    return qr_rows(payload, QR_VERSION, QR_ERROR_CORRECTION, QR_ECI_ISO_8859_2)
