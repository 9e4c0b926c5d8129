"""Rows selected by thousands of keys (desktop.db.bulk.in_values), on SQLite and PostgreSQL:
one = ANY(array) or IN (…) lists under SQLite's limit, the same rows either way."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from desktop.db.bulk import IN_CHUNK, in_values
from desktop.db.models import AuditEntry
from desktop.db.session import audit_entry, write_audit_entries

pytestmark = pytest.mark.db

COUNT = 2 * IN_CHUNK + 7


def test_in_values_finds_every_row_named_and_no_other(db):
    with db.write("test") as session:
        write_audit_entries(
            session,
            [audit_entry(session, "insert", "thing", f"k{i}") for i in range(COUNT)],
        )
        wanted = [f"k{i}" for i in range(0, COUNT, 2)] + ["nobody"]
        found = [
            key
            for where in in_values(session, AuditEntry.entity_id, wanted)
            for key in session.scalars(select(AuditEntry.entity_id).where(where))
        ]
        assert sorted(found) == sorted(wanted[:-1])
        assert in_values(session, AuditEntry.entity_id, []) == []
        # and in an UPDATE's WHERE, with integer keys
        ids = session.scalars(select(AuditEntry.id).where(AuditEntry.entity == "thing")).all()
        changed = sum(
            session.execute(update(AuditEntry).where(where).values(reason="chosen")).rowcount
            for where in in_values(session, AuditEntry.id, ids[: IN_CHUNK + 1])
        )
        assert changed == IN_CHUNK + 1
        chosen = select(func.count()).where(AuditEntry.reason == "chosen")
        assert session.scalar(chosen) == IN_CHUNK + 1
