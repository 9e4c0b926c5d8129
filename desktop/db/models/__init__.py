"""Every table, one module per area. Importing this package registers them all on Base.metadata."""

from desktop.db.models.core import AuditEntry, DailyRun, School, StaffRole, StaffUser
from desktop.db.models.roster import ContactRestriction, Guardian, Student, StudentGuardian

__all__ = [
    "AuditEntry",
    "ContactRestriction",
    "DailyRun",
    "Guardian",
    "School",
    "StaffRole",
    "StaffUser",
    "Student",
    "StudentGuardian",
]
