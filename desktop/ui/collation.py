"""Names sorted in the school's alphabet: QCollator for the school's locale (et_EE, sl_SI).

Where Qt's collation data does not order the school's alphabet correctly (checked once with the
names below), the pure-Python key in desktop.domain.collation takes over. Accent-folding is for
search only (desktop.domain.roster.fold_search); sorting never folds.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from functools import lru_cache

from PySide6.QtCore import QCollator, QLocale

from desktop.domain.collation import sort_key_for

LOCALES = {"EE": "et_EE", "SI": "sl_SI"}
LANGUAGES = {"EE": "et", "SI": "sl"}
# What the school's secretaries expect; a collator that disagrees is not used.
EXPECTED = {
    "sl": ("Cvet", "Čeh", "Sever", "Šarić", "Zupan", "Žagar"),
    "et": ("Sepp", "Šmidt", "Zola", "Žukov", "Tamm", "Walter", "Õun", "Ärm", "Öö", "Üla", "Xu"),
}

NameKey = Callable[[str], object]


@lru_cache(maxsize=8)
def qt_collates(country: str) -> bool:
    """Does Qt's collator for the school's locale give the school's alphabet?"""
    language = LANGUAGES.get(str(country))
    if language is None:
        return False
    collator = QCollator(QLocale(LOCALES[str(country)]))
    expected = EXPECTED[language]
    return tuple(sorted(reversed(expected), key=collator.sortKey)) == expected


def name_key(country: str, *, use_qt: bool | None = None) -> NameKey:
    """A sort key for names in the school's alphabet, remembering the names it has seen.

    Make one per thread that sorts (a QCollator is not shared between threads)."""
    country = str(country)
    if use_qt is None:
        use_qt = qt_collates(country)
    if not use_qt:
        return sort_key_for(LANGUAGES.get(country, ""))
    collator = QCollator(QLocale(LOCALES.get(country, "C")))
    cache: dict[str, object] = {}

    def key(text: str) -> object:
        found = cache.get(text)
        if found is None:
            found = cache[text] = collator.sortKey(text)
        return found

    return key


def sorted_names(names: Iterable[str], country: str) -> list[str]:
    return sorted(names, key=name_key(country))


class NameRanks:
    """Each distinct name's place in the alphabet, as a number.

    100,000 rows sort several times faster by numbers than by collation keys, and names repeat:
    the distinct names are collated once. A name seen later (a new student) gets a number
    between its neighbours', so the ranks already handed out stay valid.
    """

    def __init__(self, key: NameKey, names: Iterable[str] = ()):
        self._key = key
        self._names = sorted(set(names), key=key)
        self._keys = [key(n) for n in self._names]
        self._rank = {n: float(i) for i, n in enumerate(self._names)}

    @property
    def known(self) -> dict[str, float]:
        """The ranks handed out so far: a plain lookup for names known to be ranked."""
        return self._rank

    def __getitem__(self, name: str) -> float:
        rank = self._rank.get(name)
        return self._add(name) if rank is None else rank

    def _add(self, name: str) -> float:
        key = self._key(name)
        i = bisect.bisect_right(self._keys, key)
        below = self._rank[self._names[i - 1]] if i else -1.0
        above = self._rank[self._names[i]] if i < len(self._names) else below + 2.0
        rank = self._rank[name] = (below + above) / 2
        self._names.insert(i, name)
        self._keys.insert(i, key)
        return rank
