"""What a stored text may hold, checked the same way whatever the database (R122: a record is
what was typed, and both databases refuse the same things).

PostgreSQL refuses a NUL byte and text longer than its column with a driver error; SQLite
stores both. Characters that hide or reorder what a secretary reads (bidi overrides, zero-width
characters, control characters) are refused everywhere: `ema@exa\u202emple.ee` shows as one
address and is another.
"""

from __future__ import annotations

import re

from desktop.domain.errors import ValidationError
from desktop.i18n import N_

# C0 controls but tab and line breaks, DEL, C1 controls; bidi embeddings, overrides and
# isolates; zero-width spaces and joiners, word joiner, BOM; LRM/RLM/ALM marks.
_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff]"
)


def check_text(field: str, value: str, max_length: int | None) -> None:
    """Raise ValidationError(field, value, reason) for text no column of ours should hold."""
    if max_length is not None and len(value) > max_length:
        raise ValidationError(
            field,
            value[:40] + "…",
            N_("is longer than {limit} characters", limit=max_length),
        )
    if (found := _HIDDEN.search(value)) is not None:
        raise ValidationError(
            field,
            value.encode("unicode_escape").decode("ascii")[:60],
            N_(
                "contains a hidden or control character (U+{code}); type the text again without it",
                code=format(ord(found.group()), "04X"),
            ),
        )


def all_acceptable(values: list[str], max_length: int | None) -> bool:
    """True when check_text would pass every one of these texts: one scan for a whole column.
    (A line break is allowed, so joining with one cannot make or hide a refused character.)"""
    if max_length is not None and max(map(len, values), default=0) > max_length:
        return False
    return _HIDDEN.search("\n".join(values)) is None
