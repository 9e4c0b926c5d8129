"""What the card provider is told [EE] (R7, R21, R24, R25): the three events, their JSON
payloads, idempotency keys and the student's reference (docs/card-provider-api.md)."""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop.domain.cards.activation import normalise_isikukood
from desktop.domain.errors import ValidationError
from desktop.domain.personal_codes import parse_personal_code
from desktop.i18n import N_  # refusals are shown translated by the UI


class ProviderEventKind(enum.StrEnum):
    UPSERT_ENTITLEMENT = "entitlement.upsert"  # create, extend (R21), expire
    CLOSE_ENTITLEMENT = "entitlement.close"  # roster or entitlement removal (R7, R24)
    SUSPEND_ENTITLEMENT = "entitlement.suspend"  # a request; the provider confirms (R25)


class EntitlementStatus(enum.StrEnum):
    """What we send on upsert. SUSPENDED and CLOSED are set by the other two calls."""

    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"


class CloseReason(enum.StrEnum):
    LEFT = "LEFT"
    GRADUATED = "GRADUATED"
    ENTITLEMENT_REMOVED = "ENTITLEMENT_REMOVED"


class SuspendReason(enum.StrEnum):
    OPT_OUT = "OPT_OUT"
    LOST_PHONE = "LOST_PHONE"


@dataclass(frozen=True)
class ProviderEvent:
    """One outbox row's content. `payload` is the JSON body, ready to send."""

    event_id: uuid.UUID
    kind: ProviderEventKind
    student_ref: str
    payload: Mapping[str, Any]

    @property
    def idempotency_key(self) -> str:
        return idempotency_key(self.event_id)


# A fixed namespace: the same event always gets the same key, on every PC and after restarts.
IDEMPOTENCY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "school-office:card-provider-outbox")

_STUDENT_REF = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def idempotency_key(event_id: uuid.UUID) -> str:
    """Deterministic per event, so every retry of one event carries the same key."""
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, str(event_id)))


def _check_ref(student_ref: str) -> str:
    if not _STUDENT_REF.match(student_ref):
        raise ValidationError("student_ref", student_ref, N_("use 1–64 letters, digits, . _ -"))
    return student_ref


def upsert_event(
    event_id: uuid.UUID,
    student_ref: str,
    *,
    personal_code: str | None,
    first_name: str,
    last_name: str,
    school: str,
    valid_until: date,
    status: EntitlementStatus,
) -> ProviderEvent:
    """Create or update the entitlement (R21). Only what the provider needs (no birth date,
    no class). A student without an isikukood gets no entitlement: Smart-ID needs one (R34).
    """
    code = normalise_isikukood(personal_code)
    if code is None:
        raise ValidationError(
            "personal_code",
            None,
            N_("a virtual card needs an Estonian isikukood"),  # R34
        )
    parse_personal_code(code, "EE")  # R32: never send a code that fails the checksum
    payload = {
        "personal_code": code,
        "first_name": first_name,
        "last_name": last_name,
        "school": school,
        "valid_until": valid_until.isoformat(),
        "status": EntitlementStatus(status).value,
    }
    return ProviderEvent(
        event_id, ProviderEventKind.UPSERT_ENTITLEMENT, _check_ref(student_ref), payload
    )


def close_event(
    event_id: uuid.UUID, student_ref: str, *, reason: CloseReason, effective_on: date
) -> ProviderEvent:
    """R7/R24: the provider closes the virtual card; nobody has to click anything."""
    payload = {"reason": CloseReason(reason).value, "effective_on": effective_on.isoformat()}
    return ProviderEvent(
        event_id, ProviderEventKind.CLOSE_ENTITLEMENT, _check_ref(student_ref), payload
    )


def suspend_event(event_id: uuid.UUID, student_ref: str, *, reason: SuspendReason) -> ProviderEvent:
    """R25: asks the provider to suspend; our card becomes SUSPENDED only once it confirms."""
    payload = {"reason": SuspendReason(reason).value}
    return ProviderEvent(
        event_id, ProviderEventKind.SUSPEND_ENTITLEMENT, _check_ref(student_ref), payload
    )


def student_ref(student_id: int) -> str:
    """Our opaque, stable id for a student at the provider: the row id, never a personal code."""
    return f"S-{student_id:06d}"
