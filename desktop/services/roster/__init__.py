"""Roster use cases: students, guardians, links, leaving, contact restrictions.

Reads for the roster table come back as plain tuples from SQLAlchemy Core (fast for 100k
rows); one student is edited through the ORM with its version counter.

RosterService is assembled from one part per module, each a Service of its own concern:

- reads: the table's rows, one student, and the contact check (R15, R114);
- students: entering and editing a student;
- leaving: leaving (R7, R13) and re-enrolling;
- guardians: guardians and their links to a child;
- restrictions: an authority's contact restrictions (R15).

The records they take and return are in `records.py`; what the parts share (the cascade
handlers, loading a student, one versioned edit) is in `part.py`.
"""

from __future__ import annotations

from desktop.services.roster.guardians import Guardians
from desktop.services.roster.leaving import Leaving
from desktop.services.roster.reads import Reads
from desktop.services.roster.records import (
    ROSTER_COLUMNS,
    ContactRestricted,
    GuardianInput,
    GuardianLink,
    RestrictionRecord,
    RosterRow,
    StudentInput,
    StudentRecord,
)
from desktop.services.roster.restrictions import Restrictions
from desktop.services.roster.students import Students


class RosterService(Reads, Students, Leaving, Guardians, Restrictions):
    """The roster as one service (services.roster): its parts share the actor, the database
    and the cascade handlers (part.RosterPart)."""


__all__ = [
    "ROSTER_COLUMNS",
    "ContactRestricted",
    "GuardianInput",
    "GuardianLink",
    "RestrictionRecord",
    "RosterRow",
    "RosterService",
    "StudentInput",
    "StudentRecord",
]
