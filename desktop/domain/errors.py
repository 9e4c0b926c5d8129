"""Typed errors raised by the domain and the services.

The UI shows them; nothing below the UI ever opens a dialog. Each error carries what a
secretary needs to fix the problem: the field, the value and the reason, or who got there first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


class SchoolOfficeError(Exception):
    """Base class for errors the user can act on (as opposed to bugs)."""


class ValidationError(SchoolOfficeError):
    def __init__(self, field: str, value: object, reason: str):
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: {value!r}: {reason}")


class ValidationErrors(SchoolOfficeError):
    """Several field errors found together, so a form can mark every bad field at once."""

    def __init__(self, errors: list[ValidationError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class ConflictError(SchoolOfficeError):
    """A save was refused because someone else changed the record since it was read."""

    def __init__(self, entity: str, entity_id: object, who: str | None, when: datetime | None):
        self.entity = entity
        self.entity_id = entity_id
        self.who = who
        self.when = when
        stamp = when.strftime("%Y-%m-%d %H:%M") if when else "an unknown time"
        super().__init__(
            f"This {entity} was changed by {who or 'someone else'} at {stamp} (UTC) "
            "after you opened it. Your changes were not saved."
        )


class PermissionDenied(SchoolOfficeError):
    def __init__(self, login: str, action: str, needed: str):
        self.login = login
        self.action = action
        self.needed = needed
        super().__init__(f"{login} may not {action}: this needs the {needed} role")


class NotFound(SchoolOfficeError):
    def __init__(self, entity: str, key: object):
        self.entity = entity
        self.key = key
        super().__init__(f"no {entity} with {key!r}")


class InvalidTransition(SchoolOfficeError):
    """A state machine refused a move (e.g. extending a revoked card)."""

    def __init__(self, entity: str, state: str, action: str, reason: str = ""):
        self.entity = entity
        self.state = state
        self.action = action
        self.reason = reason
        text = f"cannot {action} a {entity} that is {state}"
        super().__init__(f"{text}: {reason}" if reason else text)


class DatabaseError(SchoolOfficeError):
    """The database cannot be reached or used (wrong URL, server down, newer schema...)."""


class Cancelled(SchoolOfficeError):
    """The user pressed Cancel; whatever was under way has been rolled back or discarded."""

    def __init__(self, what: str = "the operation"):
        super().__init__(f"{what} was cancelled; nothing was changed")


# What long work (imports, batches, sync) takes from its caller: progress(done, total) to report,
# cancel() to poll; when cancel() returns True the work raises Cancelled and leaves no trace.
Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


class AccessRevoked(DatabaseError):
    """The database server ended this session or refused the login: the staff account was
    deactivated, its password changed, or the server was restarted (R119)."""


class ServerRefused(PermissionDenied):
    """The database server itself refused a read or a change: this login's roles do not allow
    it (R121), whatever the app showed."""

    def __init__(self, login: str, message: str):
        self.login = login
        self.action = ""
        self.needed = ""
        SchoolOfficeError.__init__(self, message)
