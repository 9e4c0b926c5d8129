"""Inputs from outside (a widget, the command line, a script): strings made the enums the rules
compare with (DESIGN.md, "Services own their inputs").

Qt hands a StrEnum stored in a combo box back as a plain ``str``, a CSV or the command line gives
text, and a script may pass either. Every service entry point coerces with these helpers first,
so no rule depends on the caller passing the right Python type; an unknown value is refused
with a ValidationError naming the field and the accepted values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from enum import Enum
from typing import Any, TypeVar

from desktop.domain.errors import ValidationError
from desktop.i18n import N_

EnumT = TypeVar("EnumT", bound=Enum)


def coerce_enum(enum_type: type[EnumT], field: str, value: object) -> EnumT:
    """``value`` as a member of ``enum_type``: the member itself, its value, or its name (any
    case, surrounding spaces ignored). Anything else is a ValidationError on ``field``."""
    if isinstance(value, enum_type):
        return value
    if isinstance(value, Enum):  # a member of another enum: compare by its value
        value = value.value
    try:
        return enum_type(value)
    except (ValueError, TypeError):
        pass
    if isinstance(value, str):
        text = value.strip()
        for member in enum_type:
            if text.casefold() in (str(member.value).casefold(), member.name.casefold()):
                return member
    allowed = ", ".join(str(m.value) for m in enum_type)
    raise ValidationError(field, value, N_("is not one of {allowed}", allowed=allowed))


def coerce_optional_enum(enum_type: type[EnumT], field: str, value: object) -> EnumT | None:
    """As coerce_enum; None (or an empty string, an empty combo box) stays None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return coerce_enum(enum_type, field, value)


def coerce_enums(
    enum_type: type[EnumT], field: str, values: Iterable[object] | None
) -> tuple[EnumT, ...]:
    """Each value as a member of ``enum_type``, in order, without repeats. A single string is
    one value, not its characters."""
    if values is None:
        return ()
    if isinstance(values, str | Enum):
        values = (values,)
    return tuple(dict.fromkeys(coerce_enum(enum_type, field, v) for v in values))


def coerce_fields(instance: Any, **enum_types: type[Enum]) -> None:
    """In a (frozen) dataclass's ``__post_init__``: replace each named field's value by the
    enum member it stands for. Where the field's default is None, None (or an empty string,
    an empty combo box) stays None; elsewhere it is refused ("is required")."""
    defaults = {f.name: f.default for f in dataclasses.fields(instance)}
    for name, enum_type in enum_types.items():
        value = getattr(instance, name)
        if defaults.get(name, dataclasses.MISSING) is None:
            value = coerce_optional_enum(enum_type, name, value)
        elif value is None:
            raise ValidationError(name, None, N_("is required"))
        else:
            value = coerce_enum(enum_type, name, value)
        object.__setattr__(instance, name, value)
