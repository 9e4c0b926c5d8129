"""Letters and forms of issue 15, printed through the DocumentService (which checks the
recipient, numbers, writes and records every one) and the records their printing keeps.

LetterService is assembled from one part per letter family, each a Service of its own concern
sharing the base in `part` (the documents service, the addressee R48, the provider's
letterhead R73, how a letter or form is produced):

- terms_change: D9 notice of a change of terms (R50, R51); the day each subscriber's notice
  was sent is recorded (`TermsChangeNotice`), and the withdrawal deadline (D10) runs from it;
- adult: D6 the adult student's prohibition letter (R48, R100) and the confirmation of its
  withdrawal; the daily job "addressee-changes": students who come of age today (R48);
- requests: D16 data-subject request letters (R57–R59) and the DPO they name;
- breaches: D17 breach notices (R69, R70);
- contact_report: D20 lost phone / contact change (R43, R124): recording it updates the
  contact and keeps the day and hour of receipt and the old and new data;
- service_letters: D11 offer notice (R73) and D19 usage instructions (R113, R117) for SI;
- moodle: D18 Harno Moodle forms for EE (R17, R18, R34, R61, R104).

A document of the other country is refused by the DocumentService (kinds.py `countries`).
Other modules import what they need from the part itself (e.g. `terms_change.notice_sent_on`).
"""

from __future__ import annotations

from desktop.services.letters.adult import AdultLetters
from desktop.services.letters.breaches import BreachLetters
from desktop.services.letters.contact_report import ContactReports
from desktop.services.letters.moodle import MoodleForms
from desktop.services.letters.requests import Dpo, RequestLetters
from desktop.services.letters.service_letters import ServiceLetters
from desktop.services.letters.terms_change import TermsChangeLetters

__all__ = ["Dpo", "LetterService"]


class LetterService(
    TermsChangeLetters,
    AdultLetters,
    RequestLetters,
    BreachLetters,
    ContactReports,
    ServiceLetters,
    MoodleForms,
):
    """The letters area as one service (services.letters): its parts share the actor, the
    database and the documents service (part.LetterPart)."""
