"""Documents → Letters and forms: the issue-15 documents (D6, D9, D11, D16–D20), each a small
form whose OK prints through LetterService and opens the preview. Letters about a student take
the student selected in the Roster. Only the documents of the school's country are offered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QLineEdit, QMenu, QPlainTextEdit

from desktop.documents.kinds import applies_in
from desktop.domain import clock
from desktop.domain.roles import Permission
from desktop.ui import messages
from desktop.ui.document_output import file_name, show_document
from desktop.ui.forms import DateField, FormDialog, read_fields
from desktop.ui.text import _


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text, long, date, datetime, choice
    options: Sequence[tuple[str, Any]] = field(default=())
    default: Any = None


class LetterDialog(FormDialog):
    def __init__(self, parent, title: str, country: str, fields: Sequence[Field], submit, note=""):
        super().__init__(parent, title, country, submit, _("Print"))
        self.fields = fields
        self.widgets: dict[str, Any] = {}
        for f in fields:
            if f.kind == "date":
                w = DateField(country)
                if f.default is not None:
                    w.set_date(f.default)
            elif f.kind == "datetime":
                w = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(clock.now().timestamp())))
                w.setDisplayFormat("dd.MM.yyyy HH:mm")
                w.setCalendarPopup(True)
            elif f.kind == "choice":
                w = QComboBox()
                for label, value in f.options:
                    w.addItem(label, value)
            elif f.kind == "long":
                w = QPlainTextEdit()
                w.setPlainText(f.default or "")
            else:
                w = QLineEdit(f.default or "")
            self.widgets[f.key] = w
            self.form.addRow(f.label, self.errors.wrap(f.key, w))
        if note:
            self.set_note(note)

    def values(self) -> dict[str, Any]:
        readers: dict[str, Callable[[], Any]] = {}
        for f in self.fields:
            w = self.widgets[f.key]
            if f.kind == "date":
                readers[f.key] = lambda w=w, k=f.key: w.date_value(k, required=True)
            elif f.kind == "datetime":
                readers[f.key] = lambda w=w: w.dateTime().toPython().astimezone()
            elif f.kind == "choice":
                readers[f.key] = w.currentData
            elif f.kind == "long":
                readers[f.key] = w.toPlainText
            else:
                readers[f.key] = w.text
        return read_fields(readers)


def _selected_students(window) -> list[int]:
    ids = window.roster.selected_student_ids()
    record = window.roster.editor.record
    if not ids and record is not None:
        ids = [record.id]
    return ids


def install_letters_menu(window, menu: QMenu) -> QMenu:
    """The "Letters and forms" submenu of Documents, for the school's country."""
    country = window.school.country.value
    sub = menu.addMenu(_("&Letters and forms"))
    sub.setObjectName("letters_menu")
    can_print = window.services.actor.can(Permission.PRINT_DOCUMENTS)
    entries = [
        ("terms-change-notice", _("Notice of a change of terms…"), terms_change),
        ("offer-notice", _("Offer for the next school year…"), offer),
        ("usage-instructions", _("Instructions for signing in…"), usage),
        ("adult-prohibition-form", _("Prohibition letter for an adult student…"), prohibition),
        ("request-acknowledgement", _("Letter about a data protection request…"), request),
        ("breach-letter", _("Notices of a data breach…"), breach),
        ("contact-report", _("Lost phone or changed contact data…"), contact_report),
        ("moodle-institution-application", _("Harno Moodle: institution application…"), app),
        ("moodle-account-deletion", _("Harno Moodle: account deletion request…"), deletion),
        ("moodle-code-exception", _("Harno Moodle: personal-code exception…"), exception),
        ("moodle-longer-retention", _("Harno Moodle: longer stay on a course…"), retention),
    ]
    for kind, label, opener in entries:
        if not applies_in(kind, country):
            continue  # EE shows and prints no Slovenian-only document, and the reverse
        action = sub.addAction(label)
        action.setObjectName(f"action_letter_{kind}")
        action.setEnabled(can_print)
        action.triggered.connect(lambda _c=False, o=opener: o(window))
    sub.addSeparator()
    dpo_action = sub.addAction(_("Data protection officer…"))
    dpo_action.setObjectName("action_letter_dpo")
    dpo_action.triggered.connect(lambda: dpo(window))
    return sub


def _open(window, title: str, fields: Sequence[Field], run, note: str = "") -> LetterDialog:
    """A form whose OK runs `run(values)` → Produced (or (Produced, refused)), then previews."""
    country = window.school.country.value

    def submit(values):
        result = run(values)
        produced, refused = result if isinstance(result, tuple) else (result, [])
        return produced, refused

    dialog = LetterDialog(window, title, country, fields, submit, note)

    def done() -> None:
        produced, refused = dialog.result_value
        if refused:
            messages.inform(
                window, title, "\n".join(f"{r.title}: {reason}" for r, reason in refused)
            )
        window.letter_preview = show_document(
            window, produced.pdf, title, file_name(title, "", window.school.today())
        )

    dialog.accepted.connect(done)
    dialog.open()
    window.letter_dialog = dialog
    return dialog


def _one_student(window, title: str) -> int | None:
    ids = _selected_students(window)
    if len(ids) != 1:
        messages.inform(window, title, _("Select one student in the Roster first."))
        return None
    return ids[0]


def terms_change(window) -> None:
    title = _("Notice of a change of terms")
    terms = window.services.terms
    versions = [
        (f"{v.document_key} {v.label}", v.id)
        for d in terms.list_documents()
        for v in terms.versions(d.key)
        if v.published
    ]
    fields = [
        Field("version", _("New version"), "choice", versions),
        Field("sent_on", _("Sent on"), "date", default=window.school.today()),
    ]
    _open(
        window,
        title,
        fields,
        lambda v: window.services.letters.print_terms_change_notices(
            v["version"], sent_on=v["sent_on"]
        ),
        _(
            "One notice to each subscriber; the day it is sent is recorded and the deadline "
            "for a withdrawal is counted from it."
        ),
    )


def offer(window) -> None:
    from desktop.domain.dates import SchoolYear

    title = _("Offer for the next school year")
    today = window.school.today()
    year = SchoolYear.of(today)
    years = [(y.label, y) for y in (year, SchoolYear(year.start_year + 1))]
    classes = [(_("All classes"), None)] + [(c, c) for c in window.services.roster.class_names()]
    fields = [
        Field("year", _("School year"), "choice", years[::-1]),
        Field("class_name", _("Class"), "choice", classes),
    ]
    _open(
        window,
        title,
        fields,
        lambda v: window.services.letters.print_offer_notices(
            v["year"], class_name=v["class_name"]
        ),
    )


def usage(window) -> None:
    title = _("Instructions for signing in")
    student_id = _one_student(window, title)
    if student_id is None:
        return
    sub = window.services.billing.current_for_student(student_id)
    if sub is None:
        messages.inform(window, title, _("The student has no subscription."))
        return
    _open(window, title, [], lambda v: window.services.letters.print_usage_instructions(sub.id))


def prohibition(window) -> None:
    title = _("Prohibition letter for an adult student")
    student_id = _one_student(window, title)
    if student_id is not None:
        _open(
            window, title, [], lambda v: window.services.letters.print_prohibition_form(student_id)
        )


def request(window) -> None:
    title = _("Letter about a data protection request")
    requests = window.services.requests.list_requests()
    if not requests:
        messages.inform(window, title, _("No requests are recorded yet."))
        return
    options = [(f"{r.requester_name} – {r.received_at.date().isoformat()}", r.id) for r in requests]
    which = [
        (_("Acknowledgement"), "acknowledgement"),
        (_("Forwarded"), "forwarded"),
        (_("Response"), "response"),
    ]
    fields = [
        Field("request", _("Request"), "choice", options),
        Field("which", _("Letter"), "choice", which),
        Field("answer", _("Answer (for the response)"), "long"),
    ]
    _open(
        window,
        title,
        fields,
        lambda v: window.services.letters.print_request_letter(
            v["request"], v["which"], answer=v["answer"]
        ),
    )


def breach(window) -> None:
    title = _("Notices of a data breach")
    incidents = window.services.breaches.incidents()
    if not incidents:
        messages.inform(window, title, _("No breaches are recorded."))
        return
    options = [(f"{i.detected_at:%Y-%m-%d %H:%M} – {i.description[:40]}", i.id) for i in incidents]
    which = [
        (_("Text for the home page"), "home-page"),
        (_("Letters to the persons concerned"), "letters"),
        (_("Data for the report to the authority"), "report"),
    ]
    fields = [
        Field("incident", _("Breach"), "choice", options),
        Field("which", _("Notice"), "choice", which),
    ]
    _open(
        window,
        title,
        fields,
        lambda v: window.services.letters.print_breach_notice(v["incident"], v["which"]),
        _("All notices are due within 72 hours of detection."),
    )


def contact_report(window) -> None:
    title = _("Lost phone or changed contact data")
    student_id = _one_student(window, title)
    if student_id is None:
        return
    student = window.services.roster.get(student_id)
    guardians = [(g.full_name, g.guardian_id) for g in student.guardians]
    kinds = [
        (_("Print the blank form"), ""),
        (_("Record: change of mobile number or e-mail"), "CONTACT_CHANGE"),
        (_("Record: lost phone, computer or sign-in data"), "LOST_DEVICE"),
    ]
    fields = [
        Field("guardian", _("Parent or guardian"), "choice", guardians),
        Field("kind", _("Report"), "choice", kinds),
        Field("received_at", _("Received (day and hour)"), "datetime"),
        Field("channel", _("Received by"), default=_("e-mail to the school")),
        Field("new_phone", _("New mobile number")),
        Field("new_email", _("New e-mail")),
    ]
    letters = window.services.letters

    def run(v: dict[str, Any]):
        if not v["kind"]:
            return letters.print_contact_report(v["guardian"], student_id=student_id)
        report = letters.record_contact_report(
            v["guardian"],
            v["received_at"],
            v["channel"],
            kind=v["kind"],
            new_phone=v["new_phone"],
            new_email=v["new_email"],
            student_id=student_id,
        )
        return letters.print_contact_report(v["guardian"], report_id=report.id)

    _open(
        window,
        title,
        fields,
        run,
        _("Recording changes the contact data; notifications use them from the hour received."),
    )


def app(window) -> None:
    title = _("Harno Moodle: institution application")
    fields = [
        Field("name", _("Administrator")),
        Field("username", _("Harno Moodle user name")),
        Field("email", _("E-mail of the account")),
        Field("signatory", _("Signed by")),
    ]
    _open(
        window,
        title,
        fields,
        lambda v: window.services.letters.print_moodle_application(
            v["name"], v["username"], v["email"], signatory=v["signatory"]
        ),
    )


def _moodle_student(window, title, run) -> None:
    student_id = _one_student(window, title)
    if student_id is None:
        return
    fields = [Field("username", _("Harno Moodle user name")), Field("email", _("E-mail"))]
    _open(window, title, fields, lambda v: run(student_id, v["username"], v["email"]))


def deletion(window) -> None:
    letters = window.services.letters
    _moodle_student(
        window,
        _("Harno Moodle: account deletion request"),
        lambda s, u, e: letters.print_moodle_deletion(s, username=u, email=e),
    )


def exception(window) -> None:
    letters = window.services.letters
    _moodle_student(
        window,
        _("Harno Moodle: personal-code exception"),
        lambda s, u, e: letters.print_moodle_code_exception(s, username=u, email=e),
    )


def retention(window) -> None:
    title = _("Harno Moodle: longer stay on a course")
    ids = _selected_students(window)
    if not ids:
        messages.inform(window, title, _("Select the students in the Roster first."))
        return
    fields = [
        Field("course", _("Course")),
        Field("ended", _("Course ended"), "date"),
        Field("until", _("Kept until"), "date"),
        Field("reason", _("Reason"), "long"),
    ]
    _open(
        window,
        title,
        fields,
        lambda v: window.services.letters.print_moodle_longer_retention(
            ids, v["course"], v["ended"], v["until"], v["reason"]
        ),
    )


def dpo(window) -> None:
    from desktop.services.letters import Dpo

    letters = window.services.letters
    current = letters.dpo()
    fields = [
        Field("name", _("Name"), default=current.name),
        Field("email", _("E-mail"), default=current.email),
        Field("phone", _("Phone"), default=current.phone),
        Field("address", _("Address"), default=current.address),
    ]
    dialog = LetterDialog(
        window,
        _("Data protection officer"),
        window.school.country.value,
        fields,
        lambda v: letters.set_dpo(Dpo(v["name"], v["email"], v["phone"], v["address"])),
        _("Named on the letters about data protection requests."),
    )
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).setText(_("Save"))
    dialog.open()
    window.letter_dialog = dialog
