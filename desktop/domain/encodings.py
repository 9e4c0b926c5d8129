"""Text files from outside: decode them one way, strictly, and never store garbled text.

Excel saves "CSV UTF-8", "Unicode text" (UTF-16) or, in an Estonian or Slovenian Windows,
"CSV" in the region's code page (cp1257, cp1250). A file is read in exactly one of these:

- UTF-16 when it starts with a byte-order mark; a file cut off mid-character is refused;
- UTF-8 when every byte is valid UTF-8;
- the school's legacy code page only when the file holds no valid UTF-8 sequence at all (so
  it is not a UTF-8 file with a stray byte) and reads as plausible text in that code page.

Anything else is refused, naming the row and the byte, so "Nataša" never becomes "NataĹˇa".
`garbled` spots text that was already garbled before it reached us (UTF-8 read as cp125x
and saved again: "Ã©", "Å¡", "Ä\u008d") in any cell.

Pure: bytes and strings in, text or a ValidationError out.
"""

from __future__ import annotations

import re
import unicodedata

from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # reasons are shown translated by the UI, in English elsewhere

# Excel in Estonia and Slovenia saves "CSV" in the Windows code page of the region.
LEGACY_ENCODINGS = {"EE": "cp1257", "SI": "cp1250"}
FALLBACK_LEGACY_ENCODING = "cp1252"

# A valid multi-byte UTF-8 sequence (RFC 3629): its presence means the file was written as UTF-8.
_UTF8_SEQUENCE = re.compile(
    rb"[\xC2-\xDF][\x80-\xBF]"
    rb"|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}|\xED[\x80-\x9F][\x80-\xBF]"
    rb"|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}|\xF4[\x80-\x8F][\x80-\xBF]{2}"
)
# Besides letters, what a roster in a legacy code page may hold outside ASCII.
_LEGACY_SYMBOLS = frozenset("\u00a0–—„“”‘’‚«»€§°´·…×")


def legacy_encoding(country: str) -> str:
    return LEGACY_ENCODINGS.get(str(country), FALLBACK_LEGACY_ENCODING)


def decode_text(data: bytes, country: str, name: str) -> str:
    """The text of a CSV/TXT file, or a ValidationError on the file naming the row and byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")  # Excel's "Unicode text"
        except UnicodeDecodeError as exc:
            raise ValidationError(
                "file",
                name,
                N_(
                    "is a UTF-16 file that is cut off or damaged at byte {offset}; "
                    "save it again and import the new file",
                    offset=exc.start,
                ),
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = exc.start
    if not _UTF8_SEQUENCE.search(data):
        try:
            text = data.decode(legacy_encoding(country))
        except UnicodeDecodeError:
            text = None
        if text is not None and plausible_legacy_text(text):
            return text
    raise ValidationError(
        "file",
        name,
        N_(
            "row {row}: byte {byte} is not valid UTF-8; save the file as "
            '"CSV UTF-8" and import it again',
            row=data.count(b"\n", 0, bad) + 1,
            byte="0x" + format(data[bad], "02X"),
        ),
    )


def plausible_legacy_text(text: str) -> bool:
    """Outside ASCII only letters and common typography, no capital in mid-word ("NataĹa":
    a UTF-8 letter that lost its second byte) and nothing that `garbled` recognises."""
    previous = ""
    for ch in text:
        if ch.isascii():
            previous = ch
            continue
        category = unicodedata.category(ch)
        if category == "Lu" and previous.islower():
            return False
        if category[0] != "L" and ch not in _LEGACY_SYMBOLS:
            return False
        previous = ch
    return garbled(text) is None


def _byte_chars(encoding: str, low: int, high: int) -> str:
    raw = bytes(range(low, high + 1))
    return raw.decode(encoding, errors="ignore")  # bytes the code page leaves undefined drop out


def _garble_pattern(encoding: str) -> re.Pattern[str]:
    """Two or three characters that are the bytes of one UTF-8 character read in `encoding`."""
    lead2 = re.escape(_byte_chars(encoding, 0xC2, 0xDF))
    lead3 = re.escape(_byte_chars(encoding, 0xE0, 0xEF))
    trail = re.escape(_byte_chars(encoding, 0x80, 0xBF))
    return re.compile(f"[{lead2}][{trail}]|[{lead3}][{trail}]{{2}}")


_GARBLES = tuple(
    (encoding, _garble_pattern(encoding)) for encoding in ("cp1250", "cp1252", "cp1257")
)


def _repairs(chunk: str, encoding: str) -> str | None:
    """What `chunk` reads as when its bytes in `encoding` are read as UTF-8, if that is text."""
    try:
        fixed = chunk.encode(encoding).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    category = unicodedata.category(fixed)
    return fixed if category[0] in "LPS" and fixed not in ("\u00ad",) else None


def garbled(text: str) -> str | None:
    """None for clean text; for text with UTF-8 read as a Windows code page ("NataĹˇa"), the
    text as it was probably meant ("Nataša"), or the text itself when no repair is certain."""
    if text.isascii():
        return None
    for encoding, pattern in _GARBLES:
        found = False

        def repair(match: re.Match[str], encoding: str = encoding) -> str:
            nonlocal found
            fixed = _repairs(match.group(), encoding)
            if fixed is None:
                return match.group()
            found = True
            return fixed

        repaired = pattern.sub(repair, text)
        if found:
            return repaired
    return None


def check_not_garbled(field: str, value: object) -> None:
    """Refuse a cell holding garbled text, suggesting what it probably said."""
    if not isinstance(value, str):
        return
    fixed = garbled(value)
    if fixed is not None:
        raise ValidationError(
            field,
            value,
            N_(
                'looks garbled (probably "{fixed}"): the file was saved in '
                "the wrong character set; fix it and import it again",
                fixed=fixed,
            ),
        )
