"""Letters and forms of issue 15, printed through the DocumentService (which checks the
recipient, numbers, writes and records every one) and the records their printing keeps:

* D9 notice of a change of terms (R50, R51): the day each subscriber's notice was sent is
  recorded (`TermsChangeNotice`); the withdrawal deadline (D10) is computed from it.
* D6 the adult student's prohibition letter (R48, R100) and the confirmation of its withdrawal.
* D16 data-subject request letters (R57–R59), D17 breach notices (R69, R70).
* D20 lost phone / contact change (R43, R124): recording it updates the contact and keeps the
  day and hour of receipt and the old and new data.
* D11 offer notice (R73), D19 usage instructions (R113, R117) for SI; D18 Harno Moodle forms
  for EE (R17, R18, R34, R61, R104).
* The daily job "addressee-changes": students who come of age today (R48).

A document of the other country is refused by the DocumentService (kinds.py `countries`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import (
    AdultProhibitionRow,
    BreachIncident,
    ContactReport,
    DataRequest,
    Guardian,
    LetterSettings,
    Student,
    StudentGuardian,
    Subscription,
    TermsChangeNotice,
    TermsVersion,
)
from desktop.documents import letter_parts
from desktop.documents.letter_parts import Letter
from desktop.domain import clock
from desktop.domain.billing import LIVE_STATES
from desktop.domain.consent.ages import SI_FULL_CAPACITY, evaluate_age_rule
from desktop.domain.consent.breaches import BREACH_NOTICES, BreachNotice, breach_deadline
from desktop.domain.consent.working_days import within_working_days
from desktop.domain.dates import SchoolYear, add_months, birthday_in, school_zone
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import StudentStatus, clean_text
from desktop.domain.salutation import gender_from_code
from desktop.i18n import N_, Translator, translator
from desktop.services.base import Service
from desktop.services.documents import DocumentRequest, DocumentService, Produced
from desktop.services.school import SchoolService

TERMS_WITHDRAWAL_DAYS = 8  # R51
ADULT_AGE = 18  # R48 proposal: full capacity on the 18th birthday
HARNO_DELETION_DAYS = 14  # R61: within 2 weeks of receipt
RETENTION_MONTHS = 6  # R17
# R78: the offer (D11) goes out at the end of the old school year and at the start of the new
# one: (first day of the round, day it is due, last day it is asked for) by month and day.
OFFER_ROUNDS = (((5, 1), (6, 1), (8, 31)), ((9, 1), (9, 1), (9, 30)))
# D19 is asked for orders of the last 30 days only: older ones were instructed before the app
# printed the letter, and must not all turn up as overdue at once.
USAGE_DUE_DAYS = 30


@dataclass(frozen=True)
class NoticeSent:
    """R51: a terms-change notice sent to one subscriber, and its withdrawal deadline."""

    id: int
    terms_version_id: int
    version_label: str
    subscription_id: int
    student_id: int
    guardian_id: int | None
    sent_on: date
    deadline: date
    document_id: str


class UsageInstructionsDue(NamedTuple):
    """R113/R117: an order whose sign-in instructions (D19) are still to be sent."""

    subscription_id: int
    student_id: int
    child_name: str
    ordered_on: date


class OfferRound(NamedTuple):
    """R78: a round of offer notices (D11) still to be printed."""

    school_year: SchoolYear
    due_on: date
    students: int  # enrolled students without a live subscription


def offer_round(today: date) -> tuple[SchoolYear, date, date] | None:
    """The round of offer notices asked for on `today` (R78: June and early September, both
    for the school year that starts that autumn): (school year, first day, due day)."""
    for (sm, sd), (dm, dd), (em, ed) in OFFER_ROUNDS:
        if date(today.year, sm, sd) <= today <= date(today.year, em, ed):
            return SchoolYear(today.year), date(today.year, sm, sd), date(today.year, dm, dd)
    return None


class Addressee(NamedTuple):
    """Who a letter about a student goes to: the guardian or, after the adult student's
    prohibition (R48), the student."""

    guardian_id: int | None
    name: str
    lines: tuple[str, ...]  # the window address
    language: str


@dataclass(frozen=True)
class ContactReportRecord:
    id: int
    guardian_id: int
    student_id: int | None
    kind: str
    received_at: datetime
    channel: str
    old_phone: str
    new_phone: str
    old_email: str
    new_email: str
    applied_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class Dpo:
    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(p for p in (self.name, self.email, self.phone, self.address) if p)


def removal_due(course_end: date) -> date:
    """R17: users are removed from a finished course within 6 calendar months of its end."""
    return add_months(course_end, RETENTION_MONTHS)


def latest_notice_for(session: Session, subscription_id: int, received_on: date):
    """R51: the latest terms-change notice sent to a subscriber on or before `received_on`."""
    return session.scalar(
        select(TermsChangeNotice)
        .where(
            TermsChangeNotice.subscription_id == subscription_id,
            TermsChangeNotice.sent_on <= received_on,
        )
        .order_by(TermsChangeNotice.sent_on.desc(), TermsChangeNotice.id.desc())
        .limit(1)
    )


def notice_sent_on(session: Session, subscription_id: int, said: date | None, received_on: date):
    """The day the withdrawal's notice was sent, from the record (R51, D10). Refused when no
    notice of a change of terms was recorded for this subscriber, or none on the day cited."""
    if said is not None:
        found = session.scalar(
            select(TermsChangeNotice.sent_on).where(
                TermsChangeNotice.subscription_id == subscription_id,
                TermsChangeNotice.sent_on == said,
            )
        )
        if found is None:
            raise ValidationError(
                "notice_sent_on",
                said,
                N_(
                    "no notice of a change of terms was sent to this subscriber on {date}",
                    date=said,
                ),
            )
        return found
    row = latest_notice_for(session, subscription_id, received_on)
    if row is None:
        raise ValidationError(
            "notice_sent_on",
            None,
            N_("no notice of a change of terms was sent to this subscriber"),
        )
    return row.sent_on


def _guardian_lines(g: Guardian) -> tuple[str, ...]:
    """The window address; abroad with the country's name (in the guardian's language, else
    the school's) as the last line."""
    from sqlalchemy.orm import object_session

    from desktop.db.models import School
    from desktop.domain.addresses import person_lines

    session = object_session(g)
    school = session.scalar(select(School).limit(1)) if session is not None else None
    home = school.country.value if school is not None else ""
    language = g.language or (school.language if school else None) or "en"
    return person_lines(g, getattr(language, "value", language), home)


class LetterService(Service):
    def __init__(self, db, actor, documents: DocumentService):
        super().__init__(db, actor)
        self.documents = documents

    # ---- shared ---------------------------------------------------------------------------

    def _school(self):
        return SchoolService(self.db, self.actor).require_school()

    def _require_country(self, kind: str) -> None:
        """Refused before anything is read: EE prints no Slovenian-only documents."""
        from desktop.documents.kinds import applies_in
        from desktop.services.documents import NotForThisCountry

        country = self._school().country.value
        if not applies_in(kind, country):
            raise NotForThisCountry(kind, country)

    def _student_recipient(self, student: Student) -> tuple[str, ...]:
        return self.documents.student_address(student.id)

    def _addressee(
        self,
        kind: str,
        student: Student,
        guardian: Guardian,
        *,
        language: str | None = None,
        seen: set[int] | None = None,
    ) -> Addressee | None:
        """The guardian, or the student instead (R48, DocumentService.resolve_addressee). In a
        batch (`seen`: the students already given theirs) the student's copy comes once: None
        for the others. An explicit `language` wins over the addressee's own."""
        request = DocumentRequest(
            kind,
            "",
            self._language(guardian_id=guardian.id, student_id=student.id),
            student.id,
            guardian.id,
        )
        resolved = self.documents.resolve_addressee(request)
        if resolved.guardian_id is not None:
            lines = _guardian_lines(guardian)
            return Addressee(guardian.id, guardian.full_name, lines, language or request.language)
        if seen is not None:
            if student.id in seen:
                return None
            seen.add(student.id)
        lines = self._student_recipient(student)
        return Addressee(None, student.full_name, lines, language or resolved.language)

    def _letters(
        self,
        kind: str,
        items: Sequence[tuple[DocumentRequest, Letter]],
        out,
        on_recorded=None,
    ) -> Produced:
        school = self.documents.letterhead()
        return self._letters_from(school, kind, items, out, on_recorded)

    def _letters_from(self, letterhead, kind, items, out, on_recorded=None) -> Produced:
        if not items:
            raise ValidationError("recipients", "", N_("nobody to send this to"))
        requests = [r for r, _ in items]
        letters = [letter for _, letter in items]
        for request, letter in items:
            # Never a letter with only a name in the window: a batch leaves such a guardian
            # out (DocumentService.preflight); a single letter is refused, saying why.
            if request.guardian_id is not None and len(letter.recipient) < 2:
                from desktop.domain.addresses import NO_POSTAL_ADDRESS

                name = letter.recipient[0] if letter.recipient else ""
                raise ValidationError("recipient", name, N_(NO_POSTAL_ADDRESS, name=name))

        def build(infos, progress=None, cancel=None) -> bytes:
            return letter_parts.build_one_or_many(
                letterhead,
                [
                    (info, translator(r.language), letter)
                    for info, r, letter in zip(infos, requests, letters, strict=True)
                ],
            )

        return self.documents.produce_batch(
            requests, build, batch=len(requests) > 1, out=out, on_recorded=on_recorded
        )

    def _form(self, request: DocumentRequest, title: str, body: Callable, out) -> Produced:
        school = self.documents.letterhead()
        tr = translator(request.language)
        return self.documents.produce(
            request,
            lambda info: letter_parts.build_form(school, info, tr, tr.gettext(title), body(tr)),
            out=out,
        )

    def _language(self, *, guardian_id=None, student_id=None, language=None) -> str:
        return language or self.documents.language_for(
            guardian_id=guardian_id, student_id=student_id
        )

    # ---- D9 notice of a change of terms (R50, R51) -----------------------------------------

    def terms_change_recipients(self, version_id: int) -> list[tuple[int, int, int | None]]:
        """(subscription, student, guardian) for every live paid subscription's active
        profiles: who must be told of this new version."""
        with self.read(Permission.VIEW_BILLING) as session:
            self._amended_version(session, version_id)
            subs = session.scalars(
                select(Subscription).where(Subscription.state.in_(list(LIVE_STATES)))
            ).all()
            out = []
            for sub in subs:
                if str(sub.state) == "TRIAL":
                    continue
                for p in sub.profiles:
                    if p.active:
                        out.append((sub.id, sub.student_id, p.guardian_id))
            return out

    @staticmethod
    def _amended_version(session: Session, version_id: int) -> TermsVersion:
        version = session.get(TermsVersion, version_id)
        if version is None:
            raise NotFound("terms version", version_id)
        if version.published_on is None:
            raise ValidationError("version", version.label, N_("is not published yet"))
        earlier = session.scalar(
            select(TermsVersion.id).where(
                TermsVersion.document_id == version.document_id,
                TermsVersion.published_on.is_not(None),
                TermsVersion.id != version.id,
                TermsVersion.effective_from < version.effective_from,
            )
        )
        if earlier is None:
            raise ValidationError(
                "version", version.label, N_("is the first version: nothing was changed")
            )
        return version

    def print_terms_change_notices(
        self,
        version_id: int,
        *,
        sent_on: date | None = None,
        subscription_ids: Sequence[int] | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> tuple[Produced, list[tuple[DocumentRequest, str]]]:
        """D9 to every subscriber (or those given); each notice's sending day is recorded in
        the transaction that records the documents. Restricted guardians are left out."""
        today = self._school().today()
        sent_on = sent_on or today
        self._require_country("terms-change-notice")
        if sent_on > today:
            raise ValidationError("sent_on", sent_on, N_("is in the future"))
        targets = self.terms_change_recipients(version_id)
        if subscription_ids is not None:
            targets = [t for t in targets if t[0] in set(subscription_ids)]
        with self.read(Permission.VIEW_BILLING) as session:
            version = self._amended_version(session, version_id)
            doc = version.document
            issuer, _ = self._issuer(session)
            done = set(
                session.execute(
                    select(TermsChangeNotice.subscription_id, TermsChangeNotice.guardian_id).where(
                        TermsChangeNotice.terms_version_id == version_id
                    )
                ).all()
            )
            items, keys = [], []
            for sub_id, student_id, guardian_id in targets:
                student = session.get(Student, student_id)
                guardian = session.get(Guardian, guardian_id) if guardian_id else None
                if guardian is not None:  # R48: perhaps the adult student instead
                    to = self._addressee("terms-change-notice", student, guardian)
                    guardian_id, language = to.guardian_id, to.language
                    recipient, reader = to.lines, to.name
                else:
                    language = self._language(student_id=student_id)
                    recipient, reader = (student.full_name,), ""
                if (sub_id, guardian_id) in done or (sub_id, student_id, guardian_id) in keys:
                    continue  # sent before, or the student's one copy is already in the batch
                title = doc.titles.get(language) or next(iter(doc.titles.values()), doc.key)
                summary = version.summary.get(language) or next(
                    (s for s in version.summary.values() if s), ""
                )
                from desktop.documents.terms_change import (
                    TermsChangeNotice as Notice,
                )
                from desktop.documents.terms_change import terms_change_letter

                notice = Notice(
                    recipient,
                    reader,
                    student.full_name,
                    title,
                    version.label,
                    summary,
                    version.published_on,
                    version.effective_from,
                    sent_on,
                    sent_on + timedelta(days=TERMS_WITHDRAWAL_DAYS),
                    gender_from_code(student.personal_code, self._school().country.value),
                )
                request = DocumentRequest(
                    "terms-change-notice",
                    f"D9 {doc.key} {version.label} → {notice.reader or student.full_name}",
                    language,
                    student_id,
                    guardian_id,
                )
                items.append((request, terms_change_letter(translator(language), notice)))
                keys.append((sub_id, student_id, guardian_id))
        if not items:
            raise ValidationError(
                "version", version_id, N_("every subscriber has already been sent this notice")
            )
        allowed, refused = self.documents.split_contactable([r for r, _ in items], postal=True)
        keep = [i for i, (r, _) in enumerate(items) if r in allowed]
        items = [items[i] for i in keep]
        keys = [keys[i] for i in keep]

        def record(session: Session, document_ids: tuple[str, ...]) -> None:
            for (sub_id, student_id, guardian_id), doc_id in zip(keys, document_ids, strict=True):
                session.add(
                    TermsChangeNotice(
                        terms_version_id=version_id,
                        subscription_id=sub_id,
                        student_id=student_id,
                        guardian_id=guardian_id,
                        sent_on=sent_on,
                        channel="letter",
                        document_id=doc_id,
                    )
                )

        produced = self._letters_from(issuer, "terms-change-notice", items, out, record)
        return produced, refused

    def record_terms_notice_sent(
        self,
        version_id: int,
        subscription_id: int,
        sent_on: date,
        *,
        guardian_id: int | None = None,
        channel: str = "e-mail",
    ) -> NoticeSent:
        """R51: a notice sent another way (e-mail from the provider): its sending day."""
        if sent_on > self._school().today():
            raise ValidationError("sent_on", sent_on, N_("is in the future"))
        with self.write(Permission.EDIT_BILLING, reason="terms-change notice sent") as session:
            version = self._amended_version(session, version_id)
            sub = session.get(Subscription, subscription_id)
            if sub is None:
                raise NotFound("subscription", subscription_id)
            if sent_on < version.published_on:
                raise ValidationError(
                    "sent_on",
                    sent_on,
                    N_("is before the terms were published, {date}", date=version.published_on),
                )
            if guardian_id is None:
                payer = next((p for p in sub.profiles if p.is_payer), None)
                guardian_id = payer.guardian_id if payer else None
            row = TermsChangeNotice(
                terms_version_id=version_id,
                subscription_id=subscription_id,
                student_id=sub.student_id,
                guardian_id=guardian_id,
                sent_on=sent_on,
                channel=clean_text(channel)[:40],
            )
            session.add(row)
            session.flush()
            return _notice(row, version.label)

    def terms_notices(self, subscription_id: int | None = None) -> list[NoticeSent]:
        with self.read(Permission.VIEW_BILLING) as session:
            stmt = (
                select(TermsChangeNotice, TermsVersion.label)
                .join(TermsVersion, TermsVersion.id == TermsChangeNotice.terms_version_id)
                .order_by(TermsChangeNotice.sent_on.desc(), TermsChangeNotice.id.desc())
            )
            if subscription_id is not None:
                stmt = stmt.where(TermsChangeNotice.subscription_id == subscription_id)
            return [_notice(row, label) for row, label in session.execute(stmt)]

    def _issuer(self, session: Session):
        """R73: the provider's letterhead (eŠola d.o.o.), for letters in its own name."""
        from desktop.documents.billing_letters import BillingIssuer
        from desktop.services.billing import load_settings

        school = self._school()
        settings = load_settings(session, school.country)
        issuer = BillingIssuer(
            name=settings.entity_name,
            address_lines=settings.entity_address_lines,
            country=school.country.value,
            registry_code=settings.entity_registry_code,
            vat_id=settings.entity_vat_id,
            email=settings.entity_email,
            phone=settings.entity_phone,
            website=settings.entity_website,
        )
        language = school.default_language.value
        return issuer.letterhead(translator(language)), settings

    # ---- D6 the adult student's prohibition (R48, R100) ------------------------------------

    def print_prohibition_form(
        self, student_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """The form the adult student signs by hand, pre-filled from the roster."""
        from desktop.documents.adult_letters import (
            FORM_TITLE,
            ProhibitionForm,
            prohibition_form_body,
        )

        school = self._school()
        self._require_country("adult-prohibition-form")
        with self.read(Permission.VIEW_ROSTER) as session:
            student = session.get(Student, student_id)
            if student is None:
                raise NotFound("student", student_id)
            self._require_capacity(session, student, school.today())
            guardians = tuple(link.guardian.full_name for link in student.guardian_links)
            _provider, settings = self._issuer(session)
            addresses = (
                (school.name, tuple(school.address_lines)),
                (settings.entity_name, settings.entity_address_lines),
            )
            form = ProhibitionForm(
                student.full_name,
                student.birth_date,
                student.class_name or "",
                school.name,
                guardians,
                addresses,
                gender_from_code(student.personal_code, school.country.value),
            )
            language = self._language(student_id=student_id)
        request = DocumentRequest(
            "adult-prohibition-form", f"D6 {student.full_name}", language, student_id
        )
        return self._form(request, FORM_TITLE, lambda tr: prohibition_form_body(tr, form), out)

    @staticmethod
    def _require_capacity(session: Session, student: Student, today: date) -> None:
        from desktop.services.consent import load_settings

        rule = load_settings(session).age_rules[SI_FULL_CAPACITY]
        decision = evaluate_age_rule(
            rule, student.birth_date, today, capacity_from=student.full_capacity_from
        )
        if not decision.allowed:
            raise ValidationError(
                "student",
                student.full_name,
                N_("has full legal capacity only from {date}", date=decision.reached_on),
            )

    def print_prohibition_withdrawal(
        self, prohibition_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """The confirmation, to the student, that the prohibition no longer applies."""
        from desktop.documents.adult_letters import ProhibitionWithdrawal, withdrawal_letter

        with self.read(Permission.VIEW_ROSTER) as session:
            row = session.get(AdultProhibitionRow, prohibition_id)
            if row is None:
                raise NotFound("prohibition", prohibition_id)
            if row.withdrawn_on is None:
                raise ValidationError("prohibition", prohibition_id, N_("has not been withdrawn"))
            student = session.get(Student, row.student_id)
            data = ProhibitionWithdrawal(
                self._student_recipient(student),
                student.full_name,
                row.received_on,
                row.withdrawn_on,
                gender_from_code(student.personal_code, self._school().country.value),
            )
        language = self._language(student_id=student.id)
        request = DocumentRequest(
            "adult-prohibition-withdrawal", f"D6 {student.full_name}", language, student.id
        )
        return self._letters(
            request.kind, [(request, withdrawal_letter(translator(language), data))], out
        )

    def adult_addressee(self, student_id: int, day: date) -> bool:
        """R48: of full age and has forbidden data to the parents on `day`."""
        with self.db.read() as session:
            return (
                session.scalar(
                    select(AdultProhibitionRow.id)
                    .where(
                        AdultProhibitionRow.student_id == student_id,
                        AdultProhibitionRow.received_on <= day,
                        (AdultProhibitionRow.withdrawn_on.is_(None))
                        | (AdultProhibitionRow.withdrawn_on > day),
                    )
                    .limit(1)
                )
                is not None
            )

    def addressee_changes(self, session: Session, today: date) -> str:
        """Daily job: students who come of age today. From now on their own prohibition can
        make them the addressee of the letters about them (R48)."""
        students = session.scalars(
            select(Student).where(Student.status == StudentStatus.ENROLLED)
        ).all()
        due = sorted(
            s.full_name
            for s in students
            if s.birth_date.year + ADULT_AGE == today.year
            and birthday_in(s.birth_date, today.year) == today
        )
        if not due:
            return "no student comes of age today"
        return f"addressee changes: {len(due)} student(s) of full age from today: " + ", ".join(due)

    # ---- D16 data-subject requests (R57–R59) -------------------------------------------------

    def dpo(self) -> Dpo:
        with self.db.read() as session:
            row = session.scalar(select(LetterSettings).limit(1))
            if row is None:
                return Dpo()
            return Dpo(row.dpo_name, row.dpo_email, row.dpo_phone, row.dpo_address)

    def set_dpo(self, dpo: Dpo) -> Dpo:
        with self.write(Permission.MANAGE_CONSENT, reason="data protection officer") as session:
            row = session.scalar(select(LetterSettings).limit(1))
            if row is None:
                row = LetterSettings()
                session.add(row)
            row.dpo_name = clean_text(dpo.name)[:200]
            row.dpo_email = clean_text(dpo.email)[:254]
            row.dpo_phone = clean_text(dpo.phone)[:40]
            row.dpo_address = clean_text(dpo.address)[:300]
        return self.dpo()

    def print_request_letter(
        self,
        request_id: int,
        which: str,
        *,
        answer: str = "",
        language: str | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """D16: "acknowledgement", "forwarded" or "response" to the requester (in their
        language unless `language` is given)."""
        from desktop.documents.requests_letters import (
            RequestLetter,
            RequestLetterData,
            request_letter,
        )

        which = RequestLetter(which)
        school = self._school()
        country = school.country.value
        with self.read(Permission.MANAGE_CONSENT) as session:
            row = session.get(DataRequest, request_id)
            if row is None:
                raise NotFound("request", request_id)
            if which is RequestLetter.FORWARDED and not row.forward_to:
                raise ValidationError(
                    "forward_to", "", N_("this request is answered by the school itself")
                )
            student = (
                session.get(Student, row.subject_student_id) if row.subject_student_id else None
            )
            guardian = (
                session.get(Guardian, row.requester_guardian_id)
                if row.requester_guardian_id
                else None
            )
            student_id = student.id if student else None
            guardian_id = guardian.id if guardian else None
            recipient = _guardian_lines(guardian) if guardian else (row.requester_name,)
            reader = row.requester_name
            if guardian and student:  # R48: perhaps to the adult student instead
                to = self._addressee(f"request-{which.value}", student, guardian)
                if to.guardian_id is None:
                    recipient, reader, guardian_id = to.lines, to.name, None
            forwarded = row.forwarded_at or None
            data = RequestLetterData(
                recipient,
                reader,
                which,
                country,
                student.full_name if student else "",
                row.received_at,
                row.due_on,
                row.forward_to,
                forwarded.astimezone(school_zone(country)).date()
                if forwarded
                else row.forward_due_on,
                row.extension_reason,
                answer or row.outcome,
                self.dpo().lines,
            )
        language = self._language(guardian_id=guardian_id, student_id=student_id, language=language)
        kind = f"request-{which.value}"
        request = DocumentRequest(
            kind, f"D16 {which.value} → {reader}", language, student_id, guardian_id
        )
        letter = request_letter(translator(language), data, school_zone(country))
        return self._letters(kind, [(request, letter)], out)

    # ---- D17 breach notices (R69, R70) --------------------------------------------------------

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
                recipient = _guardian_lines(guardian) if guardian else (person.name, person.email)
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

    # ---- D20 lost phone / contact change (R43, R124) ---------------------------------------

    def record_contact_report(
        self,
        guardian_id: int,
        received_at: datetime,
        channel: str,
        *,
        kind: str = "CONTACT_CHANGE",
        new_phone: str = "",
        new_email: str = "",
        student_id: int | None = None,
        note: str = "",
    ) -> ContactReportRecord:
        """R43: the day and hour of receipt, the channel, the old and new contact data; the
        guardian's contact is updated in the same transaction (the audit log keeps who/when)."""
        if received_at.tzinfo is None:
            raise ValidationError("received_at", received_at.isoformat(), N_("needs a time zone"))
        if received_at > clock.now():
            raise ValidationError("received_at", received_at.isoformat(), N_("is in the future"))
        if kind not in ("LOST_DEVICE", "CONTACT_CHANGE"):
            raise ValidationError("kind", kind, N_("is not a kind of report"))
        channel = clean_text(channel)
        if not channel:
            raise ValidationError("channel", channel, N_("say how the report arrived"))
        new_phone, new_email = clean_text(new_phone), clean_text(new_email)
        if kind == "CONTACT_CHANGE" and not (new_phone or new_email):
            raise ValidationError("new_phone", "", N_("give the new mobile number or e-mail"))
        with self.write(Permission.EDIT_ROSTER, reason="contact report") as session:
            guardian = session.get(Guardian, guardian_id)
            if guardian is None:
                raise NotFound("guardian", guardian_id)
            if student_id is not None and not session.scalar(
                select(StudentGuardian.id).where(
                    StudentGuardian.student_id == student_id,
                    StudentGuardian.guardian_id == guardian_id,
                )
            ):
                raise ValidationError("student_id", student_id, N_("is not this guardian's child"))
            row = ContactReport(
                guardian_id=guardian_id,
                student_id=student_id,
                kind=kind,
                received_at=received_at,
                channel=channel[:40],
                old_phone=guardian.phone or "",
                new_phone=new_phone,
                old_email=guardian.email or "",
                new_email=new_email,
                note=note.strip(),
                applied_at=clock.now(),
            )
            if new_phone:
                guardian.phone = new_phone
            if new_email:
                guardian.email = new_email
            session.add(row)
            session.flush()
            return _report(row)

    def contact_reports(self, guardian_id: int | None = None) -> list[ContactReportRecord]:
        with self.read(Permission.VIEW_ROSTER) as session:
            stmt = select(ContactReport).order_by(ContactReport.received_at.desc())
            if guardian_id is not None:
                stmt = stmt.where(ContactReport.guardian_id == guardian_id)
            return [_report(r) for r in session.scalars(stmt)]

    def print_contact_report(
        self,
        guardian_id: int,
        *,
        report_id: int | None = None,
        student_id: int | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """D20: the blank form for the guardian, or (report_id) the recorded report."""
        from desktop.documents.contact_report import TITLE, ContactReportData, contact_report_body

        school = self._school()
        with self.read(Permission.VIEW_ROSTER) as session:
            guardian = session.get(Guardian, guardian_id)
            if guardian is None:
                raise NotFound("guardian", guardian_id)
            report = session.get(ContactReport, report_id) if report_id else None
            if report_id and (report is None or report.guardian_id != guardian_id):
                raise NotFound("contact report", report_id)
            student_id = report.student_id if report else student_id
            if student_id is None:
                link = next(iter(guardian.student_links), None)
                student_id = link.student_id if link else None
            student = session.get(Student, student_id) if student_id else None
            if report:
                data = ContactReportData(
                    guardian.full_name,
                    student.full_name if student else "",
                    report.old_phone,
                    report.old_email,
                    report.kind,
                    report.new_phone,
                    report.new_email,
                    report.received_at,
                    report.channel,
                    report.note,
                    _staff_name(session, report.created_by),
                )
            else:
                data = ContactReportData(
                    guardian.full_name,
                    student.full_name if student else "",
                    guardian.phone or "",
                    guardian.email or "",
                )
        if student is not None:
            gender = gender_from_code(student.personal_code, school.country.value)
            data = replace(data, child_gender=gender)
        language = self._language(guardian_id=guardian_id)
        request = DocumentRequest(
            "contact-report", f"D20 {guardian.full_name}", language, student_id, guardian_id
        )
        zone = school_zone(school.country.value)
        return self._form(request, TITLE, lambda tr: contact_report_body(tr, data, zone), out)

    # ---- D11 offer notice, D19 usage instructions (SI) ----------------------------------

    def print_offer_notices(
        self,
        school_year: SchoolYear,
        *,
        class_name: str | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> tuple[Produced, list[tuple[DocumentRequest, str]]]:
        """D11 (R73, R113): the offer before the school year, in the provider's name, to the
        guardians of enrolled students without a live subscription."""
        from desktop.documents.service_letters import OfferNotice, offer_letter
        from desktop.services.billing import load_prices

        school = self._school()
        self._require_country("offer-notice")
        with self.read(Permission.VIEW_BILLING) as session:
            letterhead, settings = self._issuer(session)
            prices = [
                p
                for p in load_prices(session)
                if p.school_year == school_year and str(p.tier) == "POPOLNI"
            ]
            if not prices:
                raise ValidationError(
                    "school_year",
                    school_year.label,
                    N_("has no price yet; enter it in the billing settings"),
                )
            price = max(prices, key=lambda p: p.valid_from).gross_cents
            live = set(
                session.scalars(
                    select(Subscription.student_id).where(Subscription.state.in_(list(LIVE_STATES)))
                )
            )
            stmt = select(Student).where(Student.status == StudentStatus.ENROLLED)
            if class_name:
                stmt = stmt.where(Student.class_name == class_name)
            items, seen = [], set()
            for student in session.scalars(stmt.order_by(Student.last_name, Student.first_name)):
                if student.id in live:
                    continue
                for link in student.guardian_links:
                    # R48: the adult student's one copy instead of the guardians'
                    to = self._addressee("offer-notice", student, link.guardian, seen=seen)
                    if to is None:
                        continue
                    tr = translator(to.language)
                    notice = OfferNotice(
                        to.lines,
                        to.name,
                        student.full_name,
                        school_year.label,
                        tr.format_money(price),
                        settings.entity_name,
                        gender_from_code(student.personal_code, school.country.value),
                    )
                    request = DocumentRequest(
                        "offer-notice",
                        f"D11 {school_year.label} {student.full_name} → {to.name}",
                        to.language,
                        student.id,
                        to.guardian_id,
                    )
                    items.append((request, offer_letter(tr, notice)))
        allowed, refused = self.documents.split_contactable([r for r, _ in items], postal=True)
        items = [i for i in items if i[0] in allowed]
        return self._letters_from(letterhead, "offer-notice", items, out), refused

    def offer_notices_due(self, today: date | None = None) -> OfferRound | None:
        """R78: the current round of D11, unless an offer was printed since it began."""
        from sqlalchemy import func

        from desktop.db.models import GeneratedDocument

        school = self._school()
        if school.country.value != "SI":
            return None
        found = offer_round(today or school.today())
        if found is None:
            return None
        school_year, begins, due = found
        zone = school_zone(school.country.value)
        since = datetime.combine(begins, datetime.min.time(), zone)
        with self.read(Permission.VIEW_BILLING) as session:
            printed = session.scalar(
                select(GeneratedDocument.id)
                .where(
                    GeneratedDocument.kind == "offer-notice",
                    GeneratedDocument.generated_at >= since,
                )
                .limit(1)
            )
            if printed is not None:
                return None
            live = select(Subscription.student_id).where(Subscription.state.in_(list(LIVE_STATES)))
            students = session.scalar(
                select(func.count(Student.id)).where(
                    Student.status == StudentStatus.ENROLLED, Student.id.not_in(live)
                )
            )
        return OfferRound(school_year, due, students) if students else None

    def usage_instructions_due(self, today: date | None = None) -> list[UsageInstructionsDue]:
        """R113/R117: submitted orders (not trials) whose D19 was not printed since."""
        from sqlalchemy import and_, exists

        from desktop.db.models import GeneratedDocument
        from desktop.domain.billing import SubscriptionState

        school = self._school()
        if school.country.value != "SI":
            return []
        since = (today or school.today()) - timedelta(days=USAGE_DUE_DAYS)
        printed = exists().where(
            and_(
                GeneratedDocument.kind == "usage-instructions",
                GeneratedDocument.student_id == Subscription.student_id,
                GeneratedDocument.generated_at >= Subscription.submitted_at,
            )
        )
        with self.read(Permission.VIEW_BILLING) as session:
            rows = session.execute(
                select(
                    Subscription.id,
                    Subscription.student_id,
                    Subscription.child_first_name,
                    Subscription.child_last_name,
                    Subscription.ordered_on,
                )
                .where(
                    Subscription.state.in_(list(LIVE_STATES - {SubscriptionState.TRIAL})),
                    Subscription.submitted_at.is_not(None),
                    Subscription.ordered_on >= since,
                    ~printed,
                )
                .order_by(Subscription.ordered_on, Subscription.id)
            )
            return [
                UsageInstructionsDue(sub_id, student_id, f"{first} {last}", ordered_on)
                for sub_id, student_id, first, last, ordered_on in rows
            ]

    def print_usage_instructions(
        self, subscription_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D19 (R113, R117): to each active profile of a submitted order, for the school."""
        from desktop.documents.service_letters import UsageInstructions, usage_letter

        school = self._school()
        with self.read(Permission.VIEW_BILLING) as session:
            sub = session.get(Subscription, subscription_id)
            if sub is None:
                raise NotFound("subscription", subscription_id)
            student = session.get(Student, sub.student_id)
            items, seen = [], set()
            for p in sub.profiles:
                if not p.active:
                    continue
                g = session.get(Guardian, p.guardian_id) if p.guardian_id else None
                name = f"{p.first_name} {p.last_name}".strip()
                guardian_id, recipient = p.guardian_id, (name,)
                language = self._language(student_id=student.id)
                if g is not None:  # R48: perhaps to the adult student instead, once
                    to = self._addressee("usage-instructions", student, g, seen=seen)
                    if to is None:
                        continue
                    guardian_id, recipient, language = to.guardian_id, to.lines, to.language
                    name = name if guardian_id else to.name
                data = UsageInstructions(
                    recipient,
                    name,
                    student.full_name,
                    p.email or p.mobile,
                    school.name,
                    gender_from_code(student.personal_code, school.country.value),
                )
                request = DocumentRequest(
                    "usage-instructions",
                    f"D19 {student.full_name} → {name}",
                    language,
                    student.id,
                    guardian_id,
                )
                items.append((request, usage_letter(translator(language), data)))
        return self._letters("usage-instructions", items, out)

    # ---- D18 Harno Moodle (EE) --------------------------------------------------------------

    def print_moodle_application(
        self,
        admin_name: str,
        admin_username: str,
        admin_email: str,
        *,
        signatory: str = "",
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """R18 (a)–(d): to moodle@tugi.edu.ee, signed digitally by a person with authority."""
        from desktop.documents.moodle_forms import InstitutionApplication, application_letter

        values = {"admin_name": admin_name, "admin_username": admin_username}
        values["admin_email"] = admin_email
        for field, value in values.items():
            if not clean_text(value):
                raise ValidationError(field, value, N_("is required"))
        school = self._school()
        language = school.default_language.value
        data = InstitutionApplication(
            school.name,
            clean_text(admin_name),
            clean_text(admin_username),
            clean_text(admin_email),
            clean_text(signatory),
        )
        request = DocumentRequest("moodle-institution-application", "D18 application", language)
        return self._letters(
            request.kind, [(request, application_letter(translator(language), data))], out
        )

    def print_moodle_deletion(
        self,
        student_id: int,
        *,
        username: str = "",
        email: str = "",
        received_on: date | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """R61: refused while the student has active study work (is enrolled)."""
        from desktop.documents.moodle_forms import AccountDeletion, deletion_letter

        school = self._school()
        received_on = received_on or school.today()
        with self.read(Permission.VIEW_ROSTER) as session:
            student = session.get(Student, student_id)
            if student is None:
                raise NotFound("student", student_id)
            if student.status == StudentStatus.ENROLLED:
                raise ValidationError(
                    "student",
                    student.full_name,
                    N_("still has active study work: remove them from the courses first"),
                )
            data = AccountDeletion(
                student.full_name,
                clean_text(username),
                clean_text(email),
                received_on,
                received_on + timedelta(days=HARNO_DELETION_DAYS),
            )
        language = school.default_language.value
        request = DocumentRequest(
            "moodle-account-deletion", f"D18 deletion {student.full_name}", language, student_id
        )
        return self._letters(
            request.kind, [(request, deletion_letter(translator(language), data))], out
        )

    def print_moodle_code_exception(
        self,
        student_id: int,
        *,
        username: str = "",
        email: str = "",
        submitted_on: date | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """R34: for a student without an Estonian isikukood; answered within 1 working day."""
        from desktop.documents.moodle_forms import CodeException, exception_letter

        school = self._school()
        submitted_on = submitted_on or school.today()
        with self.read(Permission.VIEW_ROSTER) as session:
            student = session.get(Student, student_id)
            if student is None:
                raise NotFound("student", student_id)
            if not student.no_local_code:
                raise ValidationError(
                    "student", student.full_name, N_("has an Estonian personal code")
                )
            data = CodeException(
                student.full_name,
                student.birth_date,
                student.foreign_document_id,
                clean_text(email),
                clean_text(username),
                within_working_days(submitted_on, 1),
            )
        language = school.default_language.value
        request = DocumentRequest(
            "moodle-code-exception", f"D18 exception {student.full_name}", language, student_id
        )
        return self._letters(
            request.kind, [(request, exception_letter(translator(language), data))], out
        )

    def print_moodle_longer_retention(
        self,
        student_ids: Sequence[int],
        course: str,
        course_end: date,
        kept_until: date,
        reason: str,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """R17/R104: users kept on a finished course beyond course end + 6 months are told
        the longer period and the reason."""
        from desktop.documents.moodle_forms import LongerRetention, retention_letter

        if not clean_text(course):
            raise ValidationError("course", course, N_("is required"))
        if not clean_text(reason):
            raise ValidationError("reason", reason, N_("give the reason for keeping them longer"))
        due = removal_due(course_end)
        if kept_until <= due:
            raise ValidationError(
                "kept_until",
                kept_until,
                N_("must be after {date}; until then no notice is needed", date=due),
            )
        items = []
        with self.read(Permission.VIEW_ROSTER) as session:
            for student_id in student_ids:
                student = session.get(Student, student_id)
                if student is None:
                    raise NotFound("student", student_id)
                language = self._language(student_id=student_id)
                data = LongerRetention(
                    self._student_recipient(student),
                    student.full_name,
                    clean_text(course),
                    course_end,
                    due,
                    kept_until,
                    clean_text(reason),
                )
                request = DocumentRequest(
                    "moodle-longer-retention",
                    f"D18 {clean_text(course)} → {student.full_name}",
                    language,
                    student_id,
                )
                items.append((request, retention_letter(translator(language), data)))
        return self._letters("moodle-longer-retention", items, out)


def _staff_name(session: Session, login: str | None) -> str:
    """The name printed for the staff member who recorded something: their full name, or ""
    when only the login is known (printed as the office; a login never goes on paper)."""
    from desktop.db.models import StaffUser

    name = session.scalar(select(StaffUser.full_name).where(StaffUser.login == login)) or ""
    name = name.strip()
    return "" if name == login else name


def _notice(row: TermsChangeNotice, label: str) -> NoticeSent:
    return NoticeSent(
        row.id,
        row.terms_version_id,
        label,
        row.subscription_id,
        row.student_id,
        row.guardian_id,
        row.sent_on,
        row.sent_on + timedelta(days=TERMS_WITHDRAWAL_DAYS),
        row.document_id,
    )


def _report(row: ContactReport) -> ContactReportRecord:
    return ContactReportRecord(
        row.id,
        row.guardian_id,
        row.student_id,
        row.kind,
        row.received_at,
        row.channel,
        row.old_phone,
        row.new_phone,
        row.old_email,
        row.new_email,
        row.applied_at,
        row.created_by,
    )
