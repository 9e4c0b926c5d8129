"""The notices that contact stops: D7 to each guardian after an adult student's prohibition
(R48, R100), D8 after an authority's restriction (R15, R101), and the restrictions list."""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from desktop.db.models import (
    AdultProhibitionRow,
    ContactRestriction,
    GeneratedDocument,
    Guardian,
    Student,
    StudentGuardian,
    Subscription,
    SubscriptionProfile,
)
from desktop.domain.errors import NotFound, ValidationError
from desktop.domain.roles import Permission
from desktop.domain.roster import Restriction
from desktop.domain.salutation import Gender, gender_from_code
from desktop.i18n import N_
from desktop.services.consent.part import ConsentPart, person_name
from desktop.services.consent.prohibition import prohibition_record
from desktop.services.consent.records import RestrictionView
from desktop.services.documents import DocumentRequest, Produced
from desktop.services.school import SchoolService


class Notices(ConsentPart):
    def print_prohibition_notices(
        self, prohibition_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D7 (R48 c, R100): a termination notice with its reasons to each linked guardian, in
        their language. The only documents those guardians may still receive."""
        # The letter builders load when a letter is printed, not with the consent services.
        from desktop.documents.consent_letters import ProhibitionNotice, build_prohibition_notices

        with self.read(Permission.MANAGE_CONSENT) as session:
            row = session.get(AdultProhibitionRow, prohibition_id)
            if row is None:
                raise NotFound("prohibition", prohibition_id)
            record = prohibition_record(row)
        student = self.roster.get(record.student_id)
        if not student.guardians:
            raise ValidationError("guardians", student.full_name, N_("has no guardian to notify"))
        requests, notices = [], []
        for link in student.guardians:
            language = self.documents.language_for(guardian_id=link.guardian_id)
            requests.append(
                DocumentRequest(
                    "adult-prohibition-notice",
                    f"D7 {student.full_name} → {link.full_name}",
                    language,
                    student.id,
                    link.guardian_id,
                )
            )
            notices.append(
                ProhibitionNotice(
                    self._address(link, language),
                    link.full_name,
                    language,
                    student.full_name,
                    record.received_on,
                    record.subscription_ends_on,
                    child_gender=self._gender(student),
                )
            )
        letterhead = self.documents.letterhead()
        return self.documents.produce_batch(
            requests,
            lambda infos, progress, cancel: build_prohibition_notices(
                letterhead, list(zip(infos, notices, strict=True)), progress, cancel
            ),
            batch=len(requests) > 1,
            out=out,
        )

    def print_restriction_notice(
        self, restriction_id: int, *, out: str | os.PathLike[str] | None = None
    ) -> Produced:
        """D8 (R15, R101): to the restricted guardian, the same day; minimal details (not the
        child's contacts, not the authority's measure)."""
        from desktop.documents.consent_letters import RestrictionNotice, build_restriction_notice

        with self.read(Permission.MANAGE_CONSENT) as session:
            restriction = session.get(ContactRestriction, restriction_id)
            if restriction is None:
                raise NotFound("contact restriction", restriction_id)
            link = restriction.link
            student_id, guardian_id = link.student_id, link.guardian_id
            permanent, valid_from, valid_to = (
                restriction.permanent,
                restriction.valid_from,
                restriction.valid_to,
            )
        student = self.roster.get(student_id)
        guardian = next(g for g in student.guardians if g.guardian_id == guardian_id)
        language = self.documents.language_for(guardian_id=guardian_id)
        notice = RestrictionNotice(
            self._address(guardian, language),
            guardian.full_name,
            language,
            student.full_name,
            valid_from,
            None if permanent else valid_to,
            child_gender=self._gender(student),
        )
        request = DocumentRequest(
            "restriction-notice",
            f"D8 {student.full_name} → {guardian.full_name}",
            language,
            student_id,
            guardian_id,
        )
        letterhead = self.documents.letterhead()
        return self.documents.produce(
            request, lambda info: build_restriction_notice(letterhead, info, notice), out=out
        )

    def print_subscriber_restriction_notice(
        self,
        student_id: int,
        subscriber_id: int,
        *,
        out: str | os.PathLike[str] | None = None,
    ) -> Produced:
        """D8 to the subscriber (R101): another guardian of the child, whose profile was on
        the subscriber's subscription, is under a contact restriction. Only status columns of
        the billing tables are read (the office may not see payer contacts, R121)."""
        from desktop.documents.consent_letters import RestrictionNotice, build_restriction_notice

        with self.read(Permission.MANAGE_CONSENT) as session:
            subscriptions = set(
                session.scalars(
                    select(SubscriptionProfile.subscription_id)
                    .join(Subscription, Subscription.id == SubscriptionProfile.subscription_id)
                    .where(
                        Subscription.student_id == student_id,
                        SubscriptionProfile.guardian_id == subscriber_id,
                        SubscriptionProfile.is_payer.is_(True),
                    )
                )
            )
            others = set(
                session.scalars(
                    select(SubscriptionProfile.guardian_id).where(
                        SubscriptionProfile.subscription_id.in_(subscriptions),
                        SubscriptionProfile.guardian_id != subscriber_id,
                    )
                )
            )
            restriction = session.scalar(
                select(ContactRestriction)
                .join(StudentGuardian, StudentGuardian.id == ContactRestriction.link_id)
                .where(
                    StudentGuardian.student_id == student_id,
                    StudentGuardian.guardian_id.in_(others),
                )
                .order_by(ContactRestriction.valid_from.desc(), ContactRestriction.id.desc())
                .limit(1)
            )
            if restriction is None:
                raise ValidationError(
                    "guardian",
                    subscriber_id,
                    N_(
                        "is not the subscriber of a subscription on which another guardian "
                        "of this child is under a contact restriction"
                    ),
                )
            restricted_id, valid_from = restriction.link.guardian_id, restriction.valid_from
            permanent, valid_to = restriction.permanent, restriction.valid_to
        student = self.roster.get(student_id)
        links = {g.guardian_id: g for g in student.guardians}
        subscriber, restricted = links[subscriber_id], links[restricted_id]
        language = self.documents.language_for(guardian_id=subscriber_id)
        notice = RestrictionNotice(
            self._address(subscriber, language),
            subscriber.full_name,
            language,
            student.full_name,
            valid_from,
            None if permanent else valid_to,
            child_gender=self._gender(student),
            restricted_guardian=restricted.full_name,
        )
        request = DocumentRequest(
            "restriction-notice",
            f"{student.full_name} → {subscriber.full_name}",
            language,
            student_id,
            subscriber_id,
        )
        letterhead = self.documents.letterhead()
        return self.documents.produce(
            request, lambda info: build_restriction_notice(letterhead, info, notice), out=out
        )

    def _address(self, link, language: str) -> tuple[str, ...]:
        home = SchoolService(self.db, self.actor).require_school().country.value
        return _address(link, language, home)

    def _gender(self, student) -> Gender:
        """The child's grammatical gender for a letter, from the personal code (issue 12)."""
        country = SchoolService(self.db, self.actor).require_school().country.value
        return gender_from_code(student.personal_code, country)

    def restrictions(self, on: date | None = None) -> list[RestrictionView]:
        """Every authority measure (R15) with the people it concerns and its D8 notices."""
        on = on or SchoolService(self.db, self.actor).require_school().today()
        with self.read(Permission.VIEW_ROSTER) as session:
            rows = session.execute(
                select(
                    ContactRestriction,
                    StudentGuardian.student_id,
                    StudentGuardian.guardian_id,
                    Student.first_name,
                    Student.last_name,
                    Student.class_name,
                    Guardian.first_name,
                    Guardian.last_name,
                )
                .join(StudentGuardian, StudentGuardian.id == ContactRestriction.link_id)
                .join(Student, Student.id == StudentGuardian.student_id)
                .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
                .order_by(ContactRestriction.valid_from.desc())
            ).all()
            notices: dict[tuple[int, int], list[str]] = defaultdict(list)
            for sid, gid, document_id in session.execute(
                select(
                    GeneratedDocument.student_id,
                    GeneratedDocument.guardian_id,
                    GeneratedDocument.document_id,
                ).where(
                    GeneratedDocument.kind == "restriction-notice", GeneratedDocument.sha256 != ""
                )
            ):
                notices[(sid, gid)].append(document_id)
        result = []
        for r, sid, gid, sf, sl, cls, gf, gl in rows:
            result.append(
                RestrictionView(
                    r.id,
                    sid,
                    person_name(sf, sl),
                    cls or "",
                    gid,
                    person_name(gf, gl),
                    str(r.kind),
                    r.permanent,
                    r.valid_from,
                    r.valid_to,
                    r.authority,
                    r.reference,
                    Restriction(r.kind, r.permanent, r.valid_from, r.valid_to).active_on(on),
                    tuple(notices.get((sid, gid), ())),
                )
            )
        return result


def _address(link, language: str = "en", home: str = "") -> tuple[str, ...]:
    """The window address; abroad with the country's name in capitals as the last line."""
    from desktop.domain.addresses import person_lines

    return person_lines(link, language, home)
