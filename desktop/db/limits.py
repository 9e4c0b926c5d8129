"""One table of limits for every text column: the models' own String(n)/Text declarations.

Checked before every flush (ORM writes) and by bulk_insert (imports), so SQLite refuses what
PostgreSQL would, with a ValidationError naming the field, instead of a driver error."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import String, Table, inspect

from desktop.domain.errors import ValidationError, ValidationErrors
from desktop.domain.text_limits import all_acceptable, check_text


def _text_columns(table: Table) -> dict[str, int | None]:
    return {
        column.key: column.type.length
        for column in table.columns
        if isinstance(column.type, String)  # Text is a String without a length
    }


_CACHE: dict[Table, dict[str, int | None]] = {}


def text_columns(table: Table) -> dict[str, int | None]:
    if table not in _CACHE:
        _CACHE[table] = _text_columns(table)
    return _CACHE[table]


def check_values(table: Table, values: Mapping[str, Any]) -> list[ValidationError]:
    errors = []
    for key, limit in text_columns(table).items():
        value = values.get(key)
        if isinstance(value, str):
            try:
                check_text(key, value, limit)
            except ValidationError as exc:
                errors.append(exc)
    return errors


def check_rows(table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    rows = rows if isinstance(rows, Sequence) else list(rows)
    # One scan per column first; only a table with a refused text is checked row by row, so the
    # error names the first row at fault, as before.
    if all(
        all_acceptable([v for row in rows if isinstance(v := row.get(key), str)], limit)
        for key, limit in text_columns(table).items()
    ):
        return
    for row in rows:
        if errors := check_values(table, row):
            raise errors[0] if len(errors) == 1 else ValidationErrors(errors)


def check_objects(new: Iterable[object], dirty: Iterable[object]) -> None:
    """New rows: every text column; changed rows: only the columns that changed (a value
    stored before these checks existed does not block an edit of another field)."""
    errors: list[ValidationError] = []
    for obj, only_changed in [(o, False) for o in new] + [(o, True) for o in dirty]:
        state = inspect(obj, raiseerr=False)
        if state is None or state.mapper.local_table is None:
            continue
        table = state.mapper.local_table
        values = {}
        for key in text_columns(table):
            if key not in state.mapper.column_attrs or key not in state.dict:
                continue  # not set (a default follows) or not loaded: nothing typed to check
            if only_changed and not state.attrs[key].history.has_changes():
                continue
            values[key] = state.dict[key]
        errors += check_values(table, values)
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)
