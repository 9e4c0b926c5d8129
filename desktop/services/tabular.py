"""Reading and writing the files secretaries exchange: CSV (any Excel flavour) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from desktop.domain.encodings import LEGACY_ENCODINGS, decode_text
from desktop.domain.errors import ValidationError
from desktop.domain.spreadsheet import guard_cell
from desktop.i18n import N_  # reasons are shown translated by the UI

__all__ = ["LEGACY_ENCODINGS", "read_table", "spreadsheet_safe", "write_csv"]


# A school's roster is well under a megabyte; anything this big is the wrong file.
MAX_FILE_BYTES = 50_000_000
# Python's csv limit (131,072 characters per cell) is kept: a roster cell is a few dozen.
CSV_CELL_LIMIT = 131_072


def read_table(
    path: Path, country: str, sheet: str | None = None
) -> tuple[list[object], list[list[object]]]:
    """The header row and the data rows, cells as the file holds them.

    A workbook with several sheets holding data is refused unless `sheet` names one: reading
    only the first would import part of what the secretary meant, silently.
    """
    if path.is_dir():
        raise ValidationError("file", str(path), N_("is a folder, not a file"))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        _check_size(path)
        return _read_xlsx(path, sheet)
    if suffix in (".csv", ".txt", ".tsv", ""):
        _check_size(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise _unreadable(path, exc) from None
        return _read_csv(data, country, path.name)
    raise ValidationError("file", path.name, N_("open a .csv or .xlsx file"))


def _unreadable(path: Path, exc: OSError) -> ValidationError:
    if isinstance(exc, FileNotFoundError):
        return ValidationError("file", str(path), N_("does not exist"))
    problem = exc.strerror or type(exc).__name__
    return ValidationError("file", str(path), N_("cannot be read: {problem}", problem=problem))


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if size > MAX_FILE_BYTES:
        raise ValidationError(
            "file",
            path.name,
            N_("is larger than {limit} MB; a roster file is much smaller", limit=50),
        )


def _read_csv(data: bytes, country: str, name: str) -> tuple[list[object], list[list[object]]]:
    text = decode_text(data, country, name)
    if not text.strip():
        raise ValidationError("file", name, N_("is empty"))
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[object]] = []
    try:
        rows.extend(reader)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            reason = N_(
                "row {row}: a cell is longer than {limit} characters; is this the roster?",
                row=reader.line_num,
                limit=CSV_CELL_LIMIT,
            )
        else:
            reason = N_("row {row}: cannot be read as CSV", row=reader.line_num)
        raise ValidationError("file", name, reason) from None
    if not rows:
        raise ValidationError("file", name, N_("is empty"))
    return list(rows[0]), [list(r) for r in rows[1:]]


def _read_xlsx(path: Path, sheet: str | None) -> tuple[list[object], list[list[object]]]:
    from openpyxl import load_workbook  # heavy: only when an XLSX is opened

    damaged = ValidationError("file", path.name, N_("cannot be read as an Excel file"))
    # openpyxl raises many kinds for a damaged file (zip, XML, KeyError...), while opening
    # and while reading the rows.
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise damaged from None
    try:
        titles = [ws.title for ws in workbook.worksheets]
        if sheet is not None:
            chosen = [ws for ws in workbook.worksheets if ws.title.casefold() == sheet.casefold()]
            if not chosen:
                raise ValidationError(
                    "sheet",
                    sheet,
                    N_(
                        "is not a sheet of this file; its sheets are {sheets}",
                        sheets=_names(titles),
                    ),
                )
            candidates = chosen[:1]
        else:
            candidates = workbook.worksheets
        try:
            tables = [(ws.title, _sheet_rows(ws)) for ws in candidates]
        except Exception:
            raise damaged from None
    finally:
        workbook.close()
    filled = [(title, rows) for title, rows in tables if rows]
    if len(filled) > 1:
        raise ValidationError(
            "file",
            path.name,
            N_(
                "has several sheets with data ({sheets}); keep only the roster in the file, "
                "or choose the sheet to import",
                sheets=_names([title for title, _rows in filled]),
            ),
        )
    if not filled:
        raise ValidationError("file", path.name, N_("is empty"))
    rows = filled[0][1]
    return rows[0], rows[1:]


def _sheet_rows(worksheet) -> list[list[object]]:
    rows = [list(r) for r in worksheet.iter_rows(values_only=True)]
    while rows and all(c in (None, "") for c in rows[-1]):
        rows.pop()
    return rows


def _names(titles: list[str]) -> str:
    return ", ".join(f'"{title}"' for title in titles)


def spreadsheet_safe(value: object) -> str:
    """Guard a cell against formula injection, whatever the reader's list separator
    (desktop.domain.spreadsheet); our own import strips the guard again."""
    return guard_cell("" if value is None else str(value))


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
    except OSError as exc:  # no such folder, no permission, a full disk: nothing was written
        if not path.parent.is_dir():
            reason = N_(
                "cannot be written: the folder {folder} does not exist", folder=str(path.parent)
            )
        else:
            problem = exc.strerror or type(exc).__name__
            reason = N_("cannot be written: {problem}", problem=problem)
        raise ValidationError("file", str(path), reason) from None
    finally:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
    return count
