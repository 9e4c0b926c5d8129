"""Audit values as JSON holds them (desktop.db.session.jsonable), whatever their type."""

from __future__ import annotations

import enum
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from desktop.db.session import jsonable
from desktop.domain.roster import StudentStatus


class Colour(enum.Enum):
    RED = 1


class Small(enum.IntEnum):
    ONE = 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text", "text"),
        (3, 3),
        (2.5, 2.5),
        (True, True),
        (None, None),
        (StudentStatus.ENROLLED, StudentStatus.ENROLLED.value),
        (Colour.RED, 1),
        (Small.ONE, 1),
        (date(2026, 9, 1), "2026-09-01"),
        (datetime(2026, 9, 1, 7, 30, tzinfo=UTC), "2026-09-01T07:30:00+00:00"),
        (Decimal("12.50"), "12.50"),
        (b"\x00" * 20, {"bytes": 20, "b64_head": "AAAAAAAAAAAAAAAA"}),
        ([1, 2], [1, 2]),
    ],
)
def test_a_value_becomes_json(value, expected):
    converted = jsonable(value)
    assert converted == expected
    assert type(converted) is type(expected)  # a plain value, not the enum member itself
    json.dumps(converted)
    assert jsonable(value) == expected  # the second time, from the per-type table
