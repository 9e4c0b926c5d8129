"""Terms documents and versions: record them as the provider publishes them, print any of them.

R49: every version is kept with its dates and content hash; the version in force on any past
date and the exact version a person accepted can be printed. R50/R52: publishing computes when a
version takes effect (published + 15 days for an eŠola amendment, the stated date otherwise) and
closes the previous version the day before. A published version is never edited: a new version
is made instead (refused here, by the ORM hook and by database triggers; see models/terms.py).

Every print goes through DocumentService.produce, so it is numbered, recorded and refused for a
guardian who may not be contacted (R15, R48).

Who accepted what is recorded by the consent area; it plugs in `acceptance_lookup` (student id,
document key or None → the latest acceptance), so `print_for_student` prints that version.

TermsService is assembled from one part per module, each a Service of its own concern, sharing
the documents service, the acceptance lookup and the row look-ups in `part.TermsPart`:

- records: the inputs, the records and the typed errors the service takes and gives;
- documents: the terms documents, and which one is the school's main terms;
- versions: drafts, publishing, and the version in force on a date;
- printing: one version as a recorded PDF (in force, a given one, the one accepted);
- batches: copies for a class or for chosen students, in each recipient's language.

The inputs, records and errors are re-exported here: they are the service's public API.
"""

from __future__ import annotations

from desktop.services.terms.batches import Batches
from desktop.services.terms.documents import Documents
from desktop.services.terms.printing import Printing
from desktop.services.terms.records import (
    KIND,
    Acceptance,
    DraftInput,
    NoVersionInForce,
    PrintedTerms,
    TermsDocumentInput,
    TermsDocumentRecord,
    TermsVersionRecord,
    UnknownTermsDocument,
)
from desktop.services.terms.versions import Versions


class TermsService(Documents, Versions, Printing, Batches):
    """The terms area as one service (services.terms): its parts share the actor, the database,
    the documents service and the acceptance lookup (part.TermsPart)."""


__all__ = [
    "KIND",
    "Acceptance",
    "DraftInput",
    "NoVersionInForce",
    "PrintedTerms",
    "TermsDocumentInput",
    "TermsDocumentRecord",
    "TermsService",
    "TermsVersionRecord",
    "UnknownTermsDocument",
]
