"""The retention pages: purge proposals a person confirms or keeps (R67), and legal holds."""

from __future__ import annotations

from desktop.ui.tabs.consent.controller.part import ConsentPart
from desktop.ui.tabs.consent.dialogs.retention import HoldDialog, TextDialog
from desktop.ui.tabs.consent.labels import ACTIONS, CATEGORIES
from desktop.ui.text import _


class RetentionPage(ConsentPart):
    def _fill_retention(self) -> None:
        v = self.view
        rows = [
            (
                _(CATEGORIES[p.category]),
                p.label,
                _(ACTIONS[p.action]),
                self._date(p.due_on),
                p.reason,
            )
            for p in self.data.proposals
        ]
        v.proposals.set_records(self.data.proposals, rows)
        rows = [
            (
                h.student_name,
                _(CATEGORIES[h.category]),
                h.reason,
                self._date(h.placed_on),
                h.placed_by,
            )
            for h in self.data.holds
        ]
        v.holds.set_records(self.data.holds, rows)

    def decide_retention(self, confirm: bool) -> None:
        proposal = self.view.proposals.selected()
        if proposal is None:
            return
        retention = self.services.retention
        title = _("Confirm: {what}") if confirm else _("Keep: {what}")
        label = _("Note") if confirm else _("Why the data are kept")
        self._open(
            TextDialog(
                self.view,
                self.country,
                title.format(what=proposal.label),
                label,
                _("Confirm") if confirm else _("Keep the data"),
                lambda note: retention.decide(
                    proposal.id, proposal.version, confirm=confirm, note=note
                ),
            )
        )

    def place_hold(self) -> None:
        self._open(
            HoldDialog(
                self.view,
                self.country,
                self.pick_student,
                lambda v: self.services.retention.place_hold(v.student_id, v.category, v.reason),
            )
        )

    def release_hold(self) -> None:
        hold = self.view.holds.selected()
        if hold is not None:
            self._act(
                lambda: self.services.retention.release_hold(hold.id, hold.version),
                _("Legal hold released."),
            )
