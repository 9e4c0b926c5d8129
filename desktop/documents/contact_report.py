"""D20: the report of a lost phone or of changed contact data (R43, R124). Blank, it is a form
for the guardian; recorded, it is the school's evidence: the day and hour of receipt and the
contact data before and after. Notifications use the new data from that instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from desktop.documents.model import (
    SCHOOL_OFFICE,
    Block,
    Boxed,
    KeyValueTable,
    Paragraph,
    SignatureLines,
)
from desktop.documents.template import PLACE_AND_DATE, SIGNATURE
from desktop.domain.salutation import Gender, child_label
from desktop.i18n import N_, Translator

TITLE = N_("Report of a lost phone or of changed contact data")
KIND_LABELS = {
    "LOST_DEVICE": N_("Lost phone, computer or sign-in data"),
    "CONTACT_CHANGE": N_("Change of mobile number or e-mail address"),
}
TEXTS = (
    N_(
        "A lost phone, computer or sign-in data, and every change of mobile number or e-mail "
        "address, must be reported immediately to the school or to starsi@easistent.com."
    ),
    N_(
        "The time of receipt of the report is the day and hour it is received. Notifications "
        "are sent to the new contact data from that moment; the provider is not liable for "
        "disclosures before it."
    ),
)
OFFICE_USE = N_("For the school office")
BLANK = "____________________"


@dataclass(frozen=True)
class ContactReportData:
    guardian_name: str
    student_name: str
    old_phone: str
    old_email: str
    kind: str = ""  # "" → both boxes to tick
    new_phone: str = ""
    new_email: str = ""
    received_at: datetime | None = None  # None: a blank form
    channel: str = ""
    note: str = ""
    recorded_by: str = ""  # the staff member's full name; "": printed as the office
    child_gender: Gender = Gender.UNKNOWN  # from the personal code: "Učenka" / "Učenec"


def contact_report_body(tr: Translator, data: ContactReportData, zone: tzinfo) -> list[Block]:
    if data.kind:
        what = tr.gettext(KIND_LABELS[data.kind])
    else:
        what = " / ".join("☐ " + tr.gettext(label) for label in KIND_LABELS.values())
    rows = (
        (tr.gettext("Parent or guardian"), data.guardian_name),
        (child_label(tr, data.child_gender), data.student_name or "—"),
        (tr.gettext("Report"), what),
        (tr.gettext("Mobile number until now"), data.old_phone or "—"),
        (tr.gettext("E-mail until now"), data.old_email or "—"),
        (tr.gettext("New mobile number"), data.new_phone or ("—" if data.kind else BLANK)),
        (tr.gettext("New e-mail"), data.new_email or ("—" if data.kind else BLANK)),
    )
    body: list[Block] = [KeyValueTable(rows)]
    body += [Paragraph(tr.gettext(t)) for t in TEXTS]
    if data.note:
        body.append(Boxed(data.note, tr.gettext("Note")))
    body.append(
        SignatureLines(
            (tr.gettext(PLACE_AND_DATE), tr.gettext(SIGNATURE)), ("", data.guardian_name)
        )
    )
    if data.received_at is not None:
        office = (
            (tr.gettext("Received (day and hour)"), tr.format_datetime(data.received_at, zone)),
            (tr.gettext("Received by"), data.channel),
            (tr.gettext("Recorded by"), data.recorded_by or tr.gettext(SCHOOL_OFFICE)),
        )
    else:
        office = (
            (tr.gettext("Received (day and hour)"), BLANK),
            (tr.gettext("Received by"), BLANK),
        )
    body += [Paragraph(tr.gettext(OFFICE_USE)), KeyValueTable(office)]
    return body
