"""The terms page: how many in each class accepted the version in force, who still has to
answer, recording a decision and printing the terms for those who have not answered."""

from __future__ import annotations

from desktop.ui import messages
from desktop.ui.tabs.consent.controller.part import ConsentPart
from desktop.ui.tabs.consent.dialogs.decision import DecisionDialog
from desktop.ui.tabs.consent.labels import STATUS_COLOURS, STATUSES
from desktop.ui.text import _, format_percent
from desktop.ui.workers import run_with_progress


class TermsPage(ConsentPart):
    def _fill_terms(self) -> None:
        v, data = self.view, self.data
        current = v.document.currentData() or self.remembered_document
        v.document.blockSignals(True)
        v.document.clear()
        for doc in data.documents:
            v.document.addItem(doc.title, doc.key)
        if data.overview is not None:
            v.document.setCurrentIndex(max(0, v.document.findData(data.overview.document_key)))
        elif current:
            v.document.setCurrentIndex(max(0, v.document.findData(current)))
        v.document.blockSignals(False)
        v.class_filter.set_class_names(data.class_names)
        overview = data.overview
        if overview is None:
            v.counts.set_records([], [])
            v.persons.set_records([], [])
            v.persons.info.setText(
                _("No terms are recorded yet (Terms are added with the terms documents).")
            )
            return
        # The columns follow the counts' own order (consent_workflow.OVERVIEW_ORDER).
        count_rows = [
            (
                counts.label or _("All classes"),
                str(counts.total),
                *(f"{n} ({format_percent(counts.percent(status))})" for status, n in counts.counts),
            )
            for counts in overview.counts
        ]
        v.counts.set_records(list(overview.counts), count_rows)
        rows = [
            (
                r.class_name,
                r.student_name,
                r.guardian_name,
                _(STATUSES[r.status]) + (" " + _("(deemed)") if r.deemed else ""),
                r.version_label,
                self._time(r.decided_at),
            )
            for r in overview.rows
        ]
        v.persons.set_records(
            list(overview.rows), rows, [STATUS_COLOURS[r.status] for r in overview.rows]
        )
        pending = len(overview.pending())
        v.persons.info.setText(
            _("Version in force: {version}. {pending} still to answer.").format(
                version=overview.in_force or "—", pending=pending
            )
        )
        v.persons.buttons["print_pending"].setEnabled(self.can_manage and pending > 0)

    def record_decision(self) -> None:
        person = self.view.persons.selected()
        overview = self.data.overview
        if person is None or overview is None:
            messages.inform(self.view, _("Record a decision"), _("Select a person first."))
            return
        document = next(doc for doc in self.data.documents if doc.key == overview.document_key)
        guardians = self.guardians_of(person.student_id)
        self._open(
            DecisionDialog(
                self.view,
                self.country,
                document,
                person.student_id,
                person.student_name,
                guardians,
                person.guardian_id,
                self.school.today(),
                self.services.consent.record,
            )
        )

    def print_pending(self) -> None:
        overview = self.data.overview
        if overview is None:
            return
        consent = self.services.consent
        class_name = self.view.class_filter.currentData()
        title = next(
            (doc.title for doc in self.data.documents if doc.key == overview.document_key),
            _("Terms"),
        )

        def work(progress, cancel):
            return consent.print_pending_terms(
                overview.document_key, class_name, overview.on, progress, cancel
            )

        def done(result) -> None:
            produced, refused = result
            if refused:
                messages.inform(
                    self.view,
                    _("Terms printed"),
                    _("Not printed (contact not allowed):")
                    + "\n"
                    + "\n".join(reason for _request, reason in refused),
                )
            if produced is not None:
                self._show_pdf(produced.pdf, title, class_name or "")
            self.load()

        self.task = run_with_progress(
            self.view, _("Preparing the terms…"), work, done, self._failed
        )
