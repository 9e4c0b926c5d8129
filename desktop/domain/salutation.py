"""How a letter greets its reader and names the child, as a native school secretary writes it.

Pure functions, used by every letter builder (desktop/documents):

* ``gender_from_code(code, country)``: the grammatical gender a personal code gives. Estonian
  isikukood: the first digit, odd = male, even = female. Slovenian EMŠO: digits 10–12 (the
  register number), 000–499 male, 500–999 female. Anything else: unknown.
* ``salutation(language, name, gender)``: the greeting line. Slovenian agrees with the reader's
  gender ("Spoštovana Katja Kovačič," / "Spoštovani Marko Novak,"); when it is not known (a
  guardian's code is rarely held) the neutral "Pozdravljeni,". Estonian has no grammatical
  gender: "Lugupeetud Katja Kovačič!"; without a name "Tere!". English: "Dear …," or "Dear
  parent or guardian,".
* ``after_salutation(language, text)``: Slovenian continues after the salutation's comma with a
  small letter; Estonian (after "!") and English (a new paragraph) keep the capital.
* ``child_label(language, gender, adult)``: "Učenka", "Učenec", "Dijakinja", "Dijak" (an
  upper-secondary student who is of age is a "dijak", not an "učenec"): a label before the
  name ("Učenka: Sara Košir"), so a name never has to be declined.

The texts are marked with N_ and translated by the caller's translator; the Slovenian forms
that depend on gender are separate messages, so a translator never writes "je pridobil(a)".
"""

from __future__ import annotations

from enum import StrEnum

from desktop.i18n import N_, Translator


class Gender(StrEnum):
    FEMALE = "F"
    MALE = "M"
    UNKNOWN = ""


def gender_from_code(code: str | None, country: str) -> Gender:
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    if country == "EE" and len(digits) == 11 and digits[0] in "123456":
        return Gender.MALE if int(digits[0]) % 2 else Gender.FEMALE
    if country == "SI" and len(digits) == 13:
        return Gender.MALE if int(digits[9:12]) < 500 else Gender.FEMALE
    return Gender.UNKNOWN


# The greeting, by gender; "%(name)s" is the reader's full name, undeclined (a vocative-free
# form is usual in Slovenian and Estonian letters).
SALUTATION_FEMALE = N_("Dear Ms %(name)s,")
SALUTATION_MALE = N_("Dear Mr %(name)s,")
SALUTATION_NAMED = N_("Dear %(name)s,")
SALUTATION_NEUTRAL = N_("Dear parent or guardian,")


def salutation(tr: Translator, name: str, gender: Gender = Gender.UNKNOWN) -> str:
    """The greeting line in the translator's language (see the module's doc)."""
    name = " ".join(name.split())
    if not name:
        return tr.gettext(SALUTATION_NEUTRAL)
    if tr.language == "sl" and gender is Gender.UNKNOWN:
        return tr.gettext(SALUTATION_NEUTRAL)  # "Pozdravljeni,": never a guessed gender
    template = {
        Gender.FEMALE: SALUTATION_FEMALE,
        Gender.MALE: SALUTATION_MALE,
    }.get(gender, SALUTATION_NAMED)
    if tr.language == "en":
        template = SALUTATION_NAMED  # "Dear Katja Kovačič,": no title from a personal code
    return tr.gettext(template) % {"name": name}


def after_salutation(language: str, text: str) -> str:
    """The first sentence after the greeting: Slovenian goes on in small letters after the
    comma ("Spoštovani Marko Novak, | obveščamo vas …"), unless it starts with a name."""
    if language == "sl" and text[:1].isupper() and not text.startswith("%("):
        return text[:1].lower() + text[1:]
    return text


CHILD_LABELS = {
    (Gender.FEMALE, False): N_("Student (girl)"),
    (Gender.MALE, False): N_("Student (boy)"),
    (Gender.UNKNOWN, False): N_("Student"),
    (Gender.FEMALE, True): N_("Adult student (woman)"),
    (Gender.MALE, True): N_("Adult student (man)"),
    (Gender.UNKNOWN, True): N_("Adult student"),
}


def child_label(tr: Translator, gender: Gender, adult: bool = False) -> str:
    """The label before a child's name: "Učenka", "Dijak", "Õpilane", "Student"."""
    return tr.gettext(CHILD_LABELS[(gender, adult)])
