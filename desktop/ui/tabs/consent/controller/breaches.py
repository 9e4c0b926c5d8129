"""The breaches page: incidents with the time left to notify (R69, R70), the persons concerned,
the notices sent, and closing an incident."""

from __future__ import annotations

from datetime import datetime

from desktop.domain import clock
from desktop.ui import messages
from desktop.ui.tabs.consent.controller.part import AMBER, GREEN, GREY, RED, ConsentPart
from desktop.ui.tabs.consent.dialogs.breaches import AffectedDialog, BreachDialog, NoticeSentDialog
from desktop.ui.tabs.consent.labels import NOTICE_STATES, NOTICES
from desktop.ui.text import _


class BreachesPage(ConsentPart):
    def tick(self) -> None:
        """R69: recompute every open incident's time left (called each second on the page)."""
        now = clock.now()
        rows, colours = [], []
        for incident in self.data.incidents:
            status = incident.status(self.country, now)
            done = sum(n.sent_at is not None for n in status.notices)
            if incident.closed_at is not None:
                left, colour = "", GREY
            elif status.complete:
                left, colour = _("all sent"), GREEN
            elif status.overdue:
                left, colour = _("OVERDUE"), RED
            else:
                seconds = int(status.remaining.total_seconds())
                left = f"{seconds // 3600} h {seconds % 3600 // 60:02d} min {seconds % 60:02d} s"
                colour = AMBER if seconds < 12 * 3600 else None
            rows.append(
                (
                    self._time(incident.detected_at),
                    incident.description.splitlines()[0] if incident.description else "",
                    self._time(status.deadline),
                    left,
                    f"{done}/{len(status.notices)}",
                    self._time(incident.closed_at),
                )
            )
            colours.append(colour)
        self.view.breaches.update_records(self.data.incidents, rows, colours, key=3)
        self._show_breach_detail(now)

    def _show_breach_detail(self, now: datetime) -> None:
        incident = self.view.breaches.selected()
        if incident is None:
            self.view.breach_detail.setText(
                _("Select an incident to see each notification and the e-mail list.")
                if self.data.incidents
                else ""
            )
            return
        status = incident.status(self.country, now)
        lines = [
            f"{_(NOTICES[n.notice])}: {_(NOTICE_STATES[n.state])}"
            + (f" ({self._time(n.sent_at)})" if n.sent_at else "")
            for n in status.notices
        ]
        emails = ", ".join(incident.email_list) or _("none yet")
        lines.append(
            _("Persons concerned: {n}; e-mail list: {emails}").format(
                n=len(incident.affected), emails=emails
            )
        )
        if incident.containment:
            lines.append(_("Measures: {text}").format(text=incident.containment))
        self.view.breach_detail.setText("\n".join(lines))

    def new_breach(self) -> None:
        self._open(
            BreachDialog(
                self.view,
                self.country,
                lambda v: self.services.breaches.record(
                    v.detected_at, v.description, v.categories, v.containment
                ),
            )
        )

    def _incident(self):
        incident = self.view.breaches.selected()
        if incident is None:
            messages.inform(self.view, _("Breaches"), _("Select an incident first."))
        return incident

    def add_affected(self) -> None:
        incident = self._incident()
        if incident is not None:
            self._open(
                AffectedDialog(
                    self.view,
                    self.country,
                    lambda v: self.services.breaches.add_affected(
                        incident.id, name=v.name, email=v.email
                    ),
                )
            )

    def record_notice(self) -> None:
        incident = self._incident()
        if incident is None:
            return
        pending = [n for n in incident.required if n not in incident.sent]
        if not pending:
            messages.inform(self.view, _("Breaches"), _("Every notification is recorded."))
            return
        self._open(
            NoticeSentDialog(
                self.view,
                self.country,
                pending,
                lambda v: self.services.breaches.record_notice(incident.id, v.notice, v.sent_at),
            )
        )

    def close_breach(self) -> None:
        incident = self._incident()
        if incident is not None:
            self._act(
                lambda: self.services.breaches.close(incident.id, incident.version),
                _("Incident closed."),
            )
