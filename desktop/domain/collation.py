"""Names in the school's alphabet, without ICU: the fallback when Qt's collator lacks the locale.

The UI sorts with QCollator for the school's locale (desktop.ui.collation). Where Qt's ICU data
does not know Estonian or Slovenian, this key gives the same order for the letters that matter:

- Slovenian: … C Č Ć D Đ … S Š … Z Ž ("Cvet, Čeh, Sever, Šarić, Zupan, Žagar").
- Estonian:  … S Š Z Ž T U V W Õ Ä Ö Ü X Y.

Other accented letters sort with their base letter (é with e), the accent deciding only between
otherwise equal names; then lower case before upper case, as ICU does. Accent-folding for search
stays in desktop.domain.roster.fold_search: a search for "saric" still finds "Šarić".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

from desktop.domain.roster import fold_search

_LATIN = "abcdefghijklmnopqrstuvwxyz"
ALPHABETS: dict[str, tuple[str, ...]] = {
    "sl": tuple("abcčćdđefghijklmnopqrsštuvwxyzž"),
    "et": tuple("abcdefghijklmnopqrsšzžtuvwõäöüxy"),
}
# Letter weights start above ASCII punctuation and digits, which sort first (as in ICU).
_LETTERS_FROM = 0x100
_OTHER_LETTERS_FROM = 0x1000


@lru_cache(maxsize=8)
def _weights(language: str) -> dict[str, str]:
    alphabet = ALPHABETS.get(language, tuple(_LATIN))
    return {letter: chr(_LETTERS_FROM + i) for i, letter in enumerate(alphabet)}


def _char_keys(char: str, weights: dict[str, str]) -> tuple[str, str, str]:
    """(primary, secondary, tertiary) for one character."""
    lower = char.lower()
    case = "1" if lower != char else "0"
    if lower in weights:  # a letter of the alphabet, accents included (š in Slovenian)
        return weights[lower], "", case
    folded = fold_search(lower)
    if folded and all(c in weights for c in folded):  # é → e, ł → l: the accent comes second
        return "".join(weights[c] for c in folded), lower, case
    if char.isalpha():
        return chr(min(_OTHER_LETTERS_FROM + ord(lower), 0x10FFFF)), "", case
    return lower, "", case  # spaces, hyphens, digits: before the letters


def sort_key(text: str, language: str) -> tuple[str, str, str, str]:
    """A key for sorted(): primary letters, then accents, then case, then the text itself."""
    weights = _weights(language)
    primary, secondary, tertiary = [], [], []
    for char in unicodedata.normalize("NFC", text):
        p, s, t = _char_keys(char, weights)
        primary.append(p)
        secondary.append(s + "\0")
        tertiary.append(t)
    return "".join(primary), "".join(secondary), "".join(tertiary), text


def sort_key_for(language: str) -> Callable[[str], tuple[str, str, str, str]]:
    """sort_key for one language, remembering the names it has seen (names repeat a lot)."""
    cache: dict[str, tuple[str, str, str, str]] = {}

    def key(text: str) -> tuple[str, str, str, str]:
        found = cache.get(text)
        if found is None:
            found = cache[text] = sort_key(text, language)
        return found

    return key
