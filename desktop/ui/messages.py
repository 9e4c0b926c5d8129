"""The message bridge: every message box goes through here.

Tests replace `ask` with monkeypatch; with SCHOOL_OFFICE_NO_DIALOGS=1 (CI) nothing modal is
shown: messages go to the log and questions get their safe default answer. This module also
turns the services' typed errors into sentences a secretary can act on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import UTC

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.domain import clock
from desktop.domain.dates import local_date, school_zone
from desktop.domain.errors import (
    AccessRevoked,
    Cancelled,
    ConflictError,
    DatabaseError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    SchoolOfficeError,
    ServerRefused,
    ValidationError,
    ValidationErrors,
)
from desktop.domain.roles import Permission, roles_allowed
from desktop.ui.text import _, entity_label, field_label, format_date, role_label

log = logging.getLogger(__name__)


def dialogs_enabled() -> bool:
    return os.environ.get("SCHOOL_OFFICE_NO_DIALOGS", "") not in ("1", "true", "yes")


def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    choices: Sequence[tuple[str, str]],
    default: str,
    escape: str | None = None,
) -> str:
    """Ask a question with named answers; returns the key of the answer chosen."""
    if not dialogs_enabled():
        log.info("%s: %s -> %s (dialogs are off)", title, text, default)
        return default
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    buttons = {}
    for key, label in choices:
        role = (
            QMessageBox.ButtonRole.RejectRole
            if key == escape
            else QMessageBox.ButtonRole.AcceptRole
        )
        buttons[box.addButton(label, role)] = key
    for button, key in buttons.items():
        if key == default:
            box.setDefaultButton(button)
        if key == escape:
            box.setEscapeButton(button)
    box.exec()
    return buttons.get(box.clickedButton(), escape or default)


def inform(parent: QWidget | None, title: str, text: str) -> None:
    _show(parent, QMessageBox.Icon.Information, title, text)


def warn(parent: QWidget | None, title: str, text: str) -> None:
    _show(parent, QMessageBox.Icon.Warning, title, text)


def show_error(
    parent: QWidget | None, exc: BaseException, title: str = "", country: str = "EE"
) -> None:
    """A typed error as a message box; anything else is a bug and goes to the crash handler."""
    if not isinstance(exc, SchoolOfficeError):
        raise exc
    _show(parent, QMessageBox.Icon.Warning, title or _("School Office"), describe(exc, country))


def _show(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str) -> None:
    if not dialogs_enabled():
        log.warning("%s: %s", title, text)
        return
    QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent).exec()


def validation_lines(exc: ValidationError | ValidationErrors, country: str = "EE") -> list[str]:
    errors = exc.errors if isinstance(exc, ValidationErrors) else [exc]
    return [f"{field_label(e.field, country)}: {_(e.reason)}" for e in errors]


def describe(exc: SchoolOfficeError, country: str = "EE") -> str:
    if isinstance(exc, ValidationError | ValidationErrors):
        return "\n".join(validation_lines(exc, country))
    if isinstance(exc, ConflictError):
        return describe_conflict(exc, country)
    if isinstance(exc, AccessRevoked | ServerRefused):  # the server's refusal says it all
        return _message(exc)
    if isinstance(exc, PermissionDenied):
        return _(
            "You cannot {action}: this needs the {role} role. Ask an administrator if you need it."
        ).format(action=_(exc.action), role=_needed_roles(exc))
    if isinstance(exc, NotFound):
        return _(
            "This {entity} is no longer in the database; someone may have removed it. "
            "Press F5 to refresh."
        ).format(entity=entity_label(exc.entity))
    if isinstance(exc, InvalidTransition):
        if exc.reason:  # the reason says why in plain words; the state's name stays internal
            return sentence(_(exc.reason))
        return _(
            "This cannot be done with this {entity} in its present state. Press F5 to refresh."
        ).format(entity=entity_label(exc.entity))
    if isinstance(exc, Cancelled):
        return _("Cancelled; nothing was changed.")
    if isinstance(exc, DatabaseError):
        return _(
            "{problem}\n\nCheck the network connection, or the database address in File → Settings."
        ).format(problem=_message(exc))
    return _message(exc)


def _message(exc: SchoolOfficeError) -> str:
    if len(exc.args) == 1 and isinstance(exc.args[0], str):
        # a marked constant or N_(template, **values) is translated
        return sentence(_(exc.args[0]))
    return str(exc)


def sentence(text: str) -> str:
    """A reason as a sentence of its own: a capital letter and a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?…)" else text + "."


def _needed_roles(exc: PermissionDenied) -> str:
    """The roles that may do it, in the UI language (the error carries them in English)."""
    try:
        roles = roles_allowed(Permission(exc.action))
    except ValueError:
        return exc.needed
    return _(" or ").join(sorted(role_label(r) for r in roles))


def describe_conflict(exc: ConflictError, country: str) -> str:
    """'Changed by kadri at 14:05' in the school's time, so nobody has to convert from UTC."""
    who = exc.who or _("someone else")
    if exc.when is None:
        return _("This {entity} was changed by {who} after you opened it.").format(
            entity=entity_label(exc.entity), who=who
        )
    when = exc.when if exc.when.tzinfo else exc.when.replace(tzinfo=UTC)
    local = when.astimezone(school_zone(country))
    if local.date() == local_date(clock.now(), country):
        moment = _("at {time}").format(time=f"{local:%H:%M}")
    else:
        moment = _("on {date} at {time}").format(
            date=format_date(local.date(), country), time=f"{local:%H:%M}"
        )
    return _("This {entity} was changed by {who} {moment}, after you opened it.").format(
        entity=entity_label(exc.entity), who=who, moment=moment
    )
