"""D17 breach notices (R69, R70): the home-page notice, the report for the authority, and
the letters to the persons concerned."""

from __future__ import annotations

import os

from sqlalchemy.orm import Session

from desktop.db.models import BreachIncident, Guardian, Student
from desktop.domain import clock
from desktop.domain.consent.breaches import BREACH_NOTICES, BreachNotice, breach_deadline
from desktop.domain.dates import school_zone
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.i18n import N_, Translator, translator
from desktop.services.documents import DocumentRequest, Produced
from desktop.services.letters.part import LetterPart, guardian_lines


class BreachLetters(LetterPart):
    """D17 breach notices (R69, R70)."""

    def _breach_data(self, session: Session, incident_id: int, tr: Translator):
        from desktop.documents.breach_notices import BreachData

        row = session.get(BreachIncident, incident_id)
        if row is None:
            raise NotFound("breach", incident_id)
        school = self._school()
        country = school.country.value
        labels = {
            BreachNotice.HOME_PAGE: N_("Home-page notice"),
            BreachNotice.AFFECTED_PERSONS: N_("Notice to the persons concerned"),
            BreachNotice.RIA: N_("Report to RIA"),
            BreachNotice.AKI: N_("Report to AKI"),
            BreachNotice.INFORMATION_COMMISSIONER: N_("Report to the Information Commissioner"),
        }
        sent = {n.notice: n.sent_at for n in row.notices}
        required = BREACH_NOTICES[country]
        categories = {
            "SCHOOL": N_("school data"),
            "BILLING": N_("billing data"),
            "CALENDAR": N_("calendar data"),
        }
        authorities = {
            "SI": (
                (
                    "Informacijski pooblaščenec",
                    ("Dunajska cesta 22, 1000 Ljubljana", "01 230 97 30", "gp.ip@ip-rs.si"),
                ),
            ),
            "EE": (
                ("Riigi Infosüsteemi Amet (RIA)", ("www.ria.ee",)),
                ("Andmekaitse Inspektsioon (AKI)", ("Tatari 39, 10134 Tallinn", "info@aki.ee")),
            ),
        }[country]
        controller = tuple(
            x
            for x in (
                school.name,
                *school.address_lines,
                school.registry_code,
                school.email,
                school.phone,
            )
            if x
        )
        data = BreachData(
            country,
            row.detected_at,
            breach_deadline(row.detected_at),
            row.description,
            tuple(tr.gettext(categories.get(c, c)) for c in row.categories),
            row.containment,
            len(row.affected),
            tuple((tr.gettext(labels[n]), sent.get(n)) for n in required),
            authorities,
            clock.now(),
            controller,
        )
        return row, data, school_zone(country)

    def print_breach_notice(
        self, incident_id: int, which: str, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D17: "home-page" (the notice text), "report" (the data for the authority) or
        "letters" (one to each person concerned, in their language)."""
        from desktop.documents import breach_notices as bn

        language = self._school().default_language.value
        tr = translator(language)
        with self.read(Permission.MANAGE_CONSENT) as session:
            row, data, zone = self._breach_data(session, incident_id, tr)
            if which in ("home-page", "report"):
                kind = f"breach-{which}"
                title = bn.HOME_TITLE if which == "home-page" else bn.REPORT_TITLE
                body = bn.home_page_body if which == "home-page" else bn.report_body
                request = DocumentRequest(kind, f"D17 {which} #{incident_id}", language)
                return self._form(request, title, lambda t: body(t, data, zone), out)
            if which != "letters":
                raise ValidationError("which", which, N_("is not a notice of a breach"))
            items, seen = [], set()
            for person in row.affected:
                student = session.get(Student, person.student_id) if person.student_id else None
                guardian = session.get(Guardian, person.guardian_id) if person.guardian_id else None
                guardian_id = guardian.id if guardian else None
                recipient = guardian_lines(guardian) if guardian else (person.name, person.email)
                name = person.name
                if student and guardian:  # R48: perhaps to the adult student instead, once
                    to = self._addressee("breach-letter", student, guardian, seen=seen)
                    if to is None:
                        continue
                    if to.guardian_id is None:
                        recipient, name, guardian_id = to.lines, to.name, None
                elif student:
                    if student.id in seen:
                        continue
                    seen.add(student.id)
                    recipient, name = self._student_recipient(student), student.full_name
                lang = self._language(
                    guardian_id=guardian_id, student_id=student.id if student else None
                )
                t = translator(lang)
                _r, data_l, _z = self._breach_data(session, incident_id, t)
                request = DocumentRequest(
                    "breach-letter",
                    f"D17 #{incident_id} → {name}",
                    lang,
                    student.id if student else None,
                    guardian_id,
                )
                items.append((request, bn.affected_letter(t, data_l, zone, recipient, name)))
        if not items:
            raise ValidationError("affected", incident_id, N_("add the persons concerned first"))
        allowed, _refused = self.documents.split_contactable([r for r, _ in items], postal=True)
        return self._letters("breach-letter", [i for i in items if i[0] in allowed], out)
