"""D9 notice of a change of terms (R50, R51): the notices printed or sent another way, and
the day each subscriber's notice was sent (`TermsChangeNotice`), from which the withdrawal
deadline (D10) runs. `latest_notice_for` and `notice_sent_on` serve the billing letters."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.db.models import Guardian, Student, Subscription, TermsChangeNotice, TermsVersion
from desktop.domain.billing.states import LIVE_STATES
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import clean_text
from desktop.domain.salutation import gender_from_code
from desktop.i18n import N_, translator
from desktop.services.documents import DocumentRequest, Produced
from desktop.services.letters.part import LetterPart

TERMS_WITHDRAWAL_DAYS = 8  # R51


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


class TermsChangeLetters(LetterPart):
    """D9 notice of a change of terms (R50, R51)."""

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
