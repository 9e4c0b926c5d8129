"""Printing card faces: A4 sheets with cut marks or CR80 cards, logged with the file's hash."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from desktop.db.models import Card, Student, StudentPhoto
from desktop.db.session import record_audit
from desktop.domain.cards.machines import CardKind, PhysicalCardStatus
from desktop.domain.errors import CancelCheck, NotFound, Progress, ValidationError
from desktop.domain.roles import Permission
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.cards.part import CardPart
from desktop.services.school import SchoolService

P = PhysicalCardStatus


@dataclass(frozen=True)
class PrintableCard:
    card_id: int
    student_id: int
    card_number: str
    full_name: str
    class_name: str
    valid_until: date
    photo: bytes | None


class Printing(CardPart):
    """The data on each card and the PDF of card faces."""

    def printable(self, card_ids: Iterable[int]) -> list[PrintableCard]:
        """The data printed on each card, in the order asked; only ACTIVE physical cards."""
        ids = list(dict.fromkeys(card_ids))
        with self.read(Permission.MANAGE_CARDS) as session:
            rows = session.execute(
                select(
                    Card.id,
                    Card.kind,
                    Card.status,
                    Card.card_number,
                    Card.valid_until,
                    Student.id,
                    Student.first_name,
                    Student.last_name,
                    Student.class_name,
                )
                .join(Student, Student.id == Card.student_id)
                .where(Card.id.in_(ids))
            ).all()
            photos = dict(
                session.execute(
                    select(StudentPhoto.student_id, StudentPhoto.image).where(
                        StudentPhoto.student_id.in_({r[5] for r in rows})
                    )
                ).all()
            )
        found = {r[0]: r for r in rows}
        result = []
        for card_id in ids:
            r = found.get(card_id)
            if r is None:
                raise NotFound("card", card_id)
            if r[1] is not CardKind.PHYSICAL or r[2] != P.ACTIVE:
                raise ValidationError(
                    "card",
                    r[3] or "virtual card",
                    N_("only an active physical card is printed"),
                )
            result.append(
                PrintableCard(
                    r[0], r[5], r[3], f"{r[6]} {r[7]}", r[8] or "", r[4], photos.get(r[5])
                )
            )
        return result

    def print_cards(
        self,
        card_ids: Iterable[int],
        *,
        sheet: bool,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
    ) -> bytes:
        """PDF of card faces: A4 sheets of 2 × 5 with cut marks, or one CR80 card per page for
        a card printer. The print is logged with the file's sha256."""
        from desktop.documents.builders import sha256_hex
        from desktop.documents.cards import CardFace, build_card_sheets, build_single_cards

        cards = self.printable(card_ids)
        if not cards:
            raise ValidationError("cards", "", N_("choose at least one card to print"))
        school = SchoolService(self.db, self.actor).require_school()
        faces = [
            CardFace(c.full_name, c.class_name, school.name, c.valid_until, c.card_number, c.photo)
            for c in cards
        ]
        build = build_card_sheets if sheet else build_single_cards
        pdf = build(faces, language=school.default_language.value, progress=progress, cancel=cancel)
        digest = sha256_hex(pdf)
        with self.write(Permission.MANAGE_CARDS) as session:
            layout = "A4 sheet" if sheet else "CR80"
            for c in cards:
                after = {"card_number": c.card_number, "layout": layout, "sha256": digest}
                record_audit(
                    session, "print", "card", c.card_id, student_id=c.student_id, after=after
                )
        return pdf
