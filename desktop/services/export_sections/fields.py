"""The fields of a recorded change: a label and a formatter each. The billing tables label
their columns the same way.
"""

from __future__ import annotations

from desktop.documents.access_export import ExportColumn as Col
from desktop.documents.access_export import FieldChange
from desktop.i18n import N_
from desktop.services.export_sections.labels import (
    CARD_KIND_LABELS,
    CARD_STATUS_LABELS,
    CHANNEL_LABELS,
    CODE_KIND_LABELS,
    COMMUNICATION_LABELS,
    DECISION_LABELS,
    INVOICE_KIND_LABELS,
    LANGUAGE_LABELS,
    LETTER_CHANNEL_LABELS,
    LETTER_KIND_LABELS,
    ORDER_CHANNEL_LABELS,
    ORDERED_BY_LABELS,
    PAYMENT_METHOD_LABELS,
    REFUND_BASIS_LABELS,
    RELATION_LABELS,
    REQUEST_KIND_LABELS,
    REQUEST_STATUS_LABELS,
    RESTRICTION_LABELS,
    STATUS_LABELS,
    SUBSCRIPTION_STATE_LABELS,
    TIER_LABELS,
)


def _f(label: str, kind: str = "text", labels: dict[str, str] | None = None):
    return (label, kind, labels or {})


# Fields a reader may see, by record, then for every record. A field not listed (ids, keys,
# hashes, internal bookkeeping) is left out of the copy; the JSON attachment has the data.
COMMON_FIELDS = {
    "first_name": _f(N_("First name")),
    "last_name": _f(N_("Last name")),
    "birth_date": _f(N_("Birth date"), "date"),
    "personal_code": _f(N_("Personal identification number")),
    "foreign_document_id": _f(N_("Foreign document number")),
    "class_name": _f(N_("Class")),
    "enrolled_on": _f(N_("Enrolled on"), "date"),
    "left_on": _f(N_("Left on"), "date"),
    "leaving_reason": _f(N_("Reason for leaving")),
    "language": _f(N_("Language"), "enum", LANGUAGE_LABELS),
    "full_capacity_from": _f(N_("Full legal capacity from"), "date"),
    "relation": _f(N_("Relation"), "enum", RELATION_LABELS),
    "primary_contact": _f(N_("Main contact"), "bool"),
    "valid_from": _f(N_("From"), "date"),
    "valid_to": _f(N_("Until"), "date"),
    "permanent": _f(N_("Permanent"), "bool"),
    "authority": _f(N_("Authority")),
    "reference": _f(N_("Reference")),
    "issued_on": _f(N_("Issued"), "date"),
    "issued_at": _f(N_("Issued"), "datetime"),
    "valid_until": _f(N_("Valid until"), "date"),
    "expires_at": _f(N_("Valid until"), "datetime"),
    "used_at": _f(N_("Used"), "datetime"),
    "failed_attempts": _f(N_("Wrong attempts"), "number"),
    "revoked": _f(N_("Replaced"), "bool"),
    "card_number": _f(N_("Number")),
    "status_reason": _f(N_("Reason"), "stored"),
    "decided_at": _f(N_("When"), "datetime"),
    "received_at": _f(N_("Received"), "datetime"),
    "received_on": _f(N_("Received"), "date"),
    "due_on": _f(N_("Due"), "date"),
    "closed_on": _f(N_("Answered on"), "date"),
    "ordered_on": _f(N_("Ordered"), "date"),
    "activated_on": _f(N_("Activated"), "date"),
    "ends_on": _f(N_("Ends"), "date"),
    "starts_on": _f(N_("From"), "date"),
    "end_reason": _f(N_("Reason"), "stored"),
    "effective_on": _f(N_("Takes effect"), "date"),
    "notice_sent_on": _f(N_("Notice sent"), "date"),
    "number": _f(N_("Number")),
    "amount_cents": _f(N_("Amount"), "money"),
    "value_date": _f(N_("Date"), "date"),
    "decided_on": _f(N_("Decided"), "date"),
    "cancelled_on": _f(N_("Cancelled"), "date"),
    "tier": _f(N_("Service"), "enum", TIER_LABELS),
    "method": _f(N_("Method"), "enum", PAYMENT_METHOD_LABELS),
    "basis": _f(N_("Basis"), "enum", REFUND_BASIS_LABELS),
    "ordered_by": _f(N_("Ordered by"), "enum", ORDERED_BY_LABELS),
    "communication_mode": _f(N_("Messages by"), "enum", COMMUNICATION_LABELS),
    "length_days": _f(N_("Days"), "number"),
    "handwritten_signature": _f(N_("Handwritten signature"), "bool"),
    "letter_reference": _f(N_("Reference")),
    "active": _f(N_("Active"), "bool"),
    "mobile": _f(N_("Mobile phone")),
    "email": _f(N_("E-mail")),
    "is_payer": _f(N_("Payer"), "bool"),
}
FIELDS_BY_ENTITY = {
    "student": {"status": _f(N_("Status"), "enum", STATUS_LABELS)},
    "student_guardian": {},
    "contact_restriction": {"kind": _f(N_("Measure"), "enum", RESTRICTION_LABELS)},
    "card": {
        "kind": _f(N_("Card"), "enum", CARD_KIND_LABELS),
        "status": _f(N_("Status"), "enum", CARD_STATUS_LABELS),
    },
    "access_code": {"kind": _f(N_("Purpose"), "enum", CODE_KIND_LABELS)},
    "data_request": {
        "kind": _f(N_("Request"), "enum", REQUEST_KIND_LABELS),
        "status": _f(N_("Status"), "enum", REQUEST_STATUS_LABELS),
    },
    "terms_acceptance": {
        "decision": _f(N_("Decision"), "enum", DECISION_LABELS),
        "channel": _f(N_("How"), "enum", CHANNEL_LABELS),
    },
    "subscription": {
        "state": _f(N_("Status"), "enum", SUBSCRIPTION_STATE_LABELS),
        "channel": _f(N_("How"), "enum", ORDER_CHANNEL_LABELS),
    },
    "invoice": {"kind": _f(N_("Kind"), "enum", INVOICE_KIND_LABELS)},
    "cancellation_letter": {
        "kind": _f(N_("Letter"), "enum", LETTER_KIND_LABELS),
        "channel": _f(N_("How"), "enum", LETTER_CHANNEL_LABELS),
    },
}
# Records whose changes are bookkeeping with no field a reader needs
QUIET_ENTITIES = frozenset({"billing_notice", "billing_proposal"})


def changes(
    entity: str, action: str, before: dict | None, after: dict | None
) -> tuple[FieldChange, ...]:
    """A recorded change as labelled fields; an update shows "before → after"."""
    if entity in QUIET_ENTITIES or not isinstance(after or before or {}, dict):
        return ()
    fields = {**COMMON_FIELDS, **FIELDS_BY_ENTITY.get(entity, {})}
    update = action == "update" and before is not None and after is not None
    values = after if after is not None else before
    out = []
    for key, value in (values or {}).items():
        spec = fields.get(key)
        if spec is None:
            continue
        label, kind, labels = spec
        if update:
            out.append(FieldChange(key, label, kind, labels, before.get(key), value, True))
        elif value not in (None, "", [], {}):
            out.append(FieldChange(key, label, kind, labels, None, value))
    return tuple(out)


# Columns only the billing tables show (not fields of a recorded change)
BILLING_ONLY_FIELDS = {
    "card_last_four": _f(N_("Card (last 4 digits)")),
    "reason": _f(N_("Reason"), "stored"),
}


def field_columns(entity: str, *keys: str) -> tuple[Col, ...]:
    """Columns labelled as the same fields are in a recorded change: one label per field."""
    fields = {**COMMON_FIELDS, **FIELDS_BY_ENTITY.get(entity, {}), **BILLING_ONLY_FIELDS}
    return tuple(Col(key, *fields[key]) for key in keys)
