"""The consent settings the school tunes (age rules, retention periods, audiences, export,
reminders): data, not code, each value checked before anything is stored."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import ConsentSettings
from desktop.domain.consent.ages import DEFAULT_AGE_RULES, age_rules_from_dicts
from desktop.domain.consent.retention import (
    APP_RETENTION_CATEGORIES,
    APP_RETENTION_RULES,
    retention_rules_from_dicts,
)
from desktop.domain.consent_workflow import audience_of
from desktop.domain.errors import NotFound, ValidationError, ValidationErrors
from desktop.domain.roles import Permission
from desktop.i18n import N_
from desktop.services.base import ensure_version
from desktop.services.consent.part import ConsentPart
from desktop.services.consent.records import ConsentSettingsRecord


class Settings(ConsentPart):
    def settings(self) -> ConsentSettingsRecord:
        with self.db.read() as session:
            return load_settings(session)

    def update_settings(
        self,
        expected_version: int,
        *,
        age_rules: Sequence[dict] | None = None,
        retention_rules: Sequence[dict] | None = None,
        audiences: dict[str, str] | None = None,
        export_enabled: bool | None = None,
        reminder_days: int | None = None,
    ) -> ConsentSettingsRecord:
        """Change what the school tunes; every value is checked before anything is stored."""
        errors: list[ValidationError] = []
        checked: dict[str, object] = {}
        if age_rules is not None:
            try:
                age_rules_from_dicts(age_rules)
                checked["age_rules"] = [dict(r) for r in age_rules]
            except ValidationError as exc:
                errors.append(exc)
        if retention_rules is not None:
            try:
                for rule in retention_rules_from_dicts(retention_rules):
                    if rule.category not in APP_RETENTION_CATEGORIES:
                        raise ValidationError(
                            "retention_rules",
                            str(rule.category),
                            N_("this app keeps no such records, so no period can be set"),
                        )
                checked["retention_rules"] = [dict(r) for r in retention_rules]
            except ValidationError as exc:
                errors.append(exc)
        if audiences is not None:
            try:
                checked["audiences"] = {
                    str(k): str(audience_of(str(k), audiences)) for k in audiences
                }
            except ValidationError as exc:
                errors.append(exc)
        if reminder_days is not None:
            if not 0 <= reminder_days <= 60:
                errors.append(ValidationError("reminder_days", reminder_days, N_("use 0–60 days")))
            checked["reminder_days"] = reminder_days
        if export_enabled is not None:
            checked["export_enabled"] = bool(export_enabled)
        if errors:
            raise ValidationErrors(errors)
        with self.write(Permission.EDIT_SCHOOL, reason="consent settings") as session:
            row = session.scalar(select(ConsentSettings).limit(1))
            if row is None:
                if expected_version != 0:
                    raise NotFound("consent settings", expected_version)
                row = ConsentSettings(age_rules=[], retention_rules=[], audiences={})
                session.add(row)
            else:
                ensure_version(row, expected_version, "consent settings")
            for name, value in checked.items():
                setattr(row, name, value)
            session.flush()
            return load_settings(session)


def load_settings(session: Session) -> ConsentSettingsRecord:
    """The school's consent settings, the defaults where nothing is saved (also for the daily
    jobs of requests.py and retention.py, inside their transaction)."""
    row = session.scalar(select(ConsentSettings).limit(1))
    defaults = {r.key: r for r in DEFAULT_AGE_RULES}
    if row is None:
        return ConsentSettingsRecord(defaults, APP_RETENTION_RULES, {}, True, 7, 0)
    age_rules = defaults | age_rules_from_dicts(row.age_rules or [])
    retention = tuple(
        rule
        for rule in (
            retention_rules_from_dicts(row.retention_rules)
            if row.retention_rules
            else APP_RETENTION_RULES
        )
        if rule.category in APP_RETENTION_CATEGORIES  # no job, no setting
    )
    return ConsentSettingsRecord(
        age_rules,
        retention,
        dict(row.audiences or {}),
        row.export_enabled,
        row.reminder_days,
        row.version,
    )
