"""Terms documents and their versions: when a version takes effect, its fingerprint, its language.

Rules implemented here: R49 (versions, content hash), R50 (SI amendments: published + 15 days),
R51 (SI amendments are deemed accepted unless the subscriber withdraws), R52 (EE: the provider
states the date). Which version is in force on a day, and whether a set of versions is
consistent, are desktop.domain.consent.terms.version_in_force and check_versions; this module adds
what drafting and publishing need. Pure functions over plain values: no Qt, no SQL, no I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum

from desktop.domain.consent.terms import amended_terms_effective_from
from desktop.domain.errors import ValidationError
from desktop.domain.roster import Language
from desktop.i18n import N_

KEY_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$")  # SI-POPOLNI-TERMS, EE-MOODLE-TERMS
KEY_MAX = 40
LABEL_MAX = 20
TITLE_MAX = 200
LANGUAGE_ORDER = tuple(language.value for language in Language)  # et, sl, en


class AmendmentRule(StrEnum):
    """How a provider's amended terms take effect."""

    PUBLISHED_PLUS_15 = "PUBLISHED_PLUS_15"  # R50: the 15th day after publication (eŠola)
    STATED_DATE = "STATED_DATE"  # R52: the date the provider states (Harno, Konnekt)


class VersionStatus(StrEnum):
    DRAFT = "DRAFT"  # being written in the office; never printed for anyone
    ANNOUNCED = "ANNOUNCED"  # published, not yet in force
    IN_FORCE = "IN_FORCE"
    SUPERSEDED = "SUPERSEDED"


def check_key(key: str) -> str:
    key = key.strip().upper()
    if not KEY_RE.match(key) or len(key) > KEY_MAX:
        raise ValidationError(
            "key", key, N_("use capital letters, digits and dashes, e.g. SI-POPOLNI-TERMS")
        )
    return key


def check_label(label: str) -> str:
    label = label.strip()
    if not label:
        raise ValidationError("label", label, N_("is required"))
    if len(label) > LABEL_MAX:
        raise ValidationError(
            "label", label, N_("is longer than {limit} characters", limit=LABEL_MAX)
        )
    return label


def clean_texts(texts: Mapping[str, str], field: str = "texts") -> dict[str, str]:
    """Text per language: known languages only, Windows line ends gone, empty entries dropped."""
    cleaned: dict[str, str] = {}
    for language, text in texts.items():
        try:
            code = Language(str(language).strip().lower()).value
        except ValueError:
            raise ValidationError(field, language, N_("use et, sl or en")) from None
        text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        if text:
            cleaned[code] = text
    return {code: cleaned[code] for code in LANGUAGE_ORDER if code in cleaned}


def content_hash(texts: Mapping[str, str]) -> str:
    """R49: the fingerprint of a version's texts; the same texts always give the same hash."""
    canonical = json.dumps(dict(sorted(texts.items())), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def effective_from(
    rule: AmendmentRule, published_on: date, stated: date | None, *, amendment: bool
) -> date:
    """The first day a version is in force.

    R50: an amendment of a Slovenian provider's terms takes effect on the 15th day after
    publication (published 1 Oct → 16 Oct); a different stated date is refused. R52: otherwise
    the provider states the date; an amendment needs one. A first version takes effect on the
    stated date, or on the day it was published.
    """
    if rule is AmendmentRule.PUBLISHED_PLUS_15 and amendment:
        due = amended_terms_effective_from(published_on)
        if stated is not None and stated != due:
            raise ValidationError(
                "effective_from",
                stated.isoformat(),
                N_(
                    "amended terms of this provider take effect on the 15th day after "
                    "publication, {date}",
                    date=due.isoformat(),
                ),
            )
        return due
    if stated is None:
        if amendment:
            raise ValidationError(
                "effective_from",
                "",
                N_("give the date the provider states for the new terms"),
            )
        return published_on
    if stated < published_on:
        raise ValidationError(
            "effective_from",
            stated.isoformat(),
            N_("is before the publication date {date}", date=published_on.isoformat()),
        )
    return stated


def tacit_acceptance(rule: AmendmentRule, *, amendment: bool) -> bool:
    """R51: an SI amendment is deemed accepted unless the subscriber withdraws within 8 days."""
    return amendment and rule is AmendmentRule.PUBLISHED_PLUS_15


def version_status(
    published_on: date | None, starts: date | None, ends: date | None, on: date
) -> VersionStatus:
    if published_on is None or starts is None:
        return VersionStatus.DRAFT
    if on < starts:
        return VersionStatus.ANNOUNCED
    if ends is not None and on > ends:
        return VersionStatus.SUPERSEDED
    return VersionStatus.IN_FORCE


def choose_language(available: Iterable[str], requested: str, fallback: str) -> str:
    """The requested language if the version has a text in it, else the school's, else the
    first the version has (et, sl, en order)."""
    have = set(available)
    if not have:
        raise ValueError("a version without any text")
    for language in (requested, fallback, *LANGUAGE_ORDER):
        if language in have:
            return language
    raise ValueError(f"unknown languages {sorted(have)}")


def next_numbers(latest: tuple[int, int] | None, *, major: bool) -> tuple[int, int]:
    """The numbers of the next version: 1.0 first, then 1.1 (minor) or 2.0 (major)."""
    if latest is None:
        return (1, 0)
    return (latest[0] + 1, 0) if major else (latest[0], latest[1] + 1)
