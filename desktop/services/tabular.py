"""Reading and writing the files secretaries exchange: CSV (any Excel flavour) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from desktop.domain.errors import ValidationError

# Excel in Estonia and Slovenia saves "CSV" in the Windows code page of the region.
LEGACY_ENCODINGS = {"EE": "cp1257", "SI": "cp1250"}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def read_table(path: Path, country: str) -> tuple[list[object], list[list[object]]]:
    """The header row and the data rows of the first sheet, cells as the file holds them."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv", ""):
        return _read_csv(path.read_bytes(), country, path.name)
    raise ValidationError("file", path.name, "open a .csv or .xlsx file")


def _decode(data: bytes, country: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")  # Excel's "Unicode text"
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode(LEGACY_ENCODINGS.get(country, "cp1252"), errors="replace")


def _read_csv(data: bytes, country: str, name: str) -> tuple[list[object], list[list[object]]]:
    text = _decode(data, country)
    if not text.strip():
        raise ValidationError("file", name, "is empty")
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return list(rows[0]), [list(r) for r in rows[1:]]


def _read_xlsx(path: Path) -> tuple[list[object], list[list[object]]]:
    from openpyxl import load_workbook  # heavy: only when an XLSX is opened

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValidationError("file", path.name, f"cannot be read as XLSX ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    while rows and all(c in (None, "") for c in rows[-1]):
        rows.pop()
    if not rows:
        raise ValidationError("file", path.name, "is empty")
    return rows[0], rows[1:]


def spreadsheet_safe(value: object) -> str:
    """Guard a cell against formula injection: a leading = + - @ makes Excel run it.

    Our own import strips the guard again, so an export survives a round trip.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[object]]) -> int:
    """UTF-8 with a BOM so Excel shows õ, š, ž; written to a temp file and moved into place."""
    tmp = path.with_name(path.name + ".part")
    count = 0
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow([spreadsheet_safe(v) for v in row])
                count += 1
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return count
