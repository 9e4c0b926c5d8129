"""What every part of BillingService shares: the actor, the school, and the recipient checks."""

from __future__ import annotations

from datetime import date

from desktop.services.base import Service
from desktop.services.school import SchoolService


class BillingPart(Service):
    def __init__(self, db, actor, recipient_checks=None):
        super().__init__(db, actor)
        # R15/R48 checks on a guardian (student_id, guardian_id, day): the documents service's
        # list, so the consent area's adult-prohibition check applies to orders too.
        self.recipient_checks = recipient_checks if recipient_checks is not None else []

    def _school(self):
        return SchoolService(self.db, self.actor).require_school()

    def today(self) -> date:
        return self._school().today()
