"""What every part of ConsentService shares: the actor, the roster, documents and terms
services it works with, and the handlers of an adult student's prohibition."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from desktop.domain.consent.prohibition import AdultProhibition
from desktop.services.base import Service
from desktop.services.documents import DocumentService
from desktop.services.roster import RosterService
from desktop.services.terms import TermsService

# Called inside the transaction that registers an adult student's prohibition (R48 b: the
# billing area ends the subscription the day after the letter was received).
ProhibitionHandler = Callable[[Session, int, AdultProhibition], None]


class ConsentPart(Service):
    def __init__(
        self, db, actor, roster: RosterService, documents: DocumentService, terms: TermsService
    ):
        super().__init__(db, actor)
        self.roster = roster
        self.documents = documents
        self.terms = terms  # prints the terms for those who have not answered
        self.prohibition_handlers: list[ProhibitionHandler] = []


def person_name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)
