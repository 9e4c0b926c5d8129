"""Consent use cases: terms acceptances and their status, age rules, the adult student's
prohibition and the notices that tell a guardian that contact stops (R15, R44–R48, R55,
R100, R101).

Acceptance records are append-only: a decision is never edited, a withdrawal is a new record
(the table refuses updates too, see models/consent.py and migration 0300_consent). Age rules
are data (ConsentSettings.age_rules), checked on the day of the act from the roster's birth
date (R6). Everything a guardian receives goes through DocumentService, whose recipient checks
include this service's `check_adult_prohibition` (R48), wired in container.py.

ConsentService is assembled from one part per module, each a Service of its own concern, on
the small base in part.py (the actor, the roster, documents and terms services it uses):

- settings: the school's consent settings, and `load_settings` for the daily jobs;
- terms_documents (built on settings): the terms documents and their published versions;
- reading (built on terms_documents): history, status, the overview, printing pending terms;
- recording (built on reading): recording one decision, with `AcceptanceInput` and `WARRANTIES`;
- prohibition (built on settings): the adult student's prohibition and its recipient check;
- notices: the D7 and D8 notices that contact stops, and the restrictions list.

What the service returns to the UI and the CLI is in records. Import a name from its module.
"""

from __future__ import annotations

from desktop.services.consent.notices import Notices
from desktop.services.consent.prohibition import Prohibitions
from desktop.services.consent.reading import Reading
from desktop.services.consent.recording import Recording
from desktop.services.consent.settings import Settings
from desktop.services.consent.terms_documents import TermsDocuments


class ConsentService(Recording, Reading, TermsDocuments, Prohibitions, Notices, Settings):
    """The consent area as one service (services.consent): its parts share the actor, the
    database and the other areas' services (part.ConsentPart)."""


__all__ = ["ConsentService"]
