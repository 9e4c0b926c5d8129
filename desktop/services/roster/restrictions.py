"""An authority's contact restriction on a child-guardian link (R15): recorded, kept, ended."""

from __future__ import annotations

from datetime import date

from desktop.db.models import ContactRestriction, StudentGuardian
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.inputs import coerce_enum
from desktop.domain.roles import Permission
from desktop.domain.roster import RestrictionKind, check_restriction, clean_text
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.roster.part import RosterPart
from desktop.services.roster.records import RestrictionRecord


class Restrictions(RosterPart):
    def add_restriction(
        self,
        link_id: int,
        kind: RestrictionKind,
        *,
        permanent: bool,
        valid_from: date,
        valid_to: date | None,
        authority: str,
        reference: str = "",
    ) -> RestrictionRecord:
        kind = coerce_enum(RestrictionKind, "kind", kind)
        check_restriction(kind, permanent, valid_from, valid_to, authority)
        with self.write(Permission.EDIT_ROSTER) as session:
            link = session.get(StudentGuardian, link_id)
            if link is None:
                raise NotFound("guardian link", link_id)
            restriction = ContactRestriction(
                link=link,
                kind=kind,
                permanent=permanent,
                valid_from=valid_from,
                valid_to=valid_to,
                authority=clean_text(authority),
                reference=clean_text(reference),
            )
            session.add(restriction)
            session.flush()
            for handler in self.restriction_handlers:
                handler(session, link.student_id, link.guardian_id, valid_from)
            return RestrictionRecord(
                restriction.id,
                restriction.kind,
                permanent,
                valid_from,
                valid_to,
                restriction.authority,
                restriction.reference,
                restriction.version,
            )

    def end_restriction(self, restriction_id: int, version: int, last_day: date) -> None:
        """A measure lifted or shortened by the authority: it stays on record, ending on
        `last_day` (R15). Letters may go to the guardian again from the next day."""
        editing = self._editing("contact restriction", ContactRestriction, restriction_id, version)
        with editing as (_session, restriction):
            if last_day < restriction.valid_from:
                raise ValidationError(
                    "valid_to",
                    last_day.isoformat(),
                    N_("is before the start {date}", date=restriction.valid_from.isoformat()),
                )
            restriction.permanent = False
            restriction.valid_to = last_day
