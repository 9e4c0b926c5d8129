"""D16: letters about a data-subject request (R57–R59): the acknowledgement, the notice that
the request was forwarded to the one who must answer it, and the response. Each names the
deadlines taken from the request, the data protection officer and the supervisory authority
of the school's country (SI: Informacijski pooblaščenec; EE: Andmekaitse Inspektsioon).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum

from desktop.documents.letter_parts import Letter, LetterHeader, contact_block
from desktop.documents.model import Block, Boxed, Paragraph
from desktop.i18n import N_, Translator


class RequestLetter(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    FORWARDED = "forwarded"
    RESPONSE = "response"


# R59 (SI: 004 B.V.2(7) L194–202). EE: the Data Protection Inspectorate's public contact
# details (proposal: the source names the authority only; keep them checked).
SUPERVISORY_AUTHORITY = {
    "SI": (
        "Informacijski pooblaščenec",
        ("Dunajska cesta 22, 1000 Ljubljana", "01 230 97 30", "gp.ip@ip-rs.si"),
    ),
    "EE": (
        "Andmekaitse Inspektsioon",
        ("Tatari 39, 10134 Tallinn", "+372 627 4135", "info@aki.ee"),
    ),
}

SUBJECTS = {
    RequestLetter.ACKNOWLEDGEMENT: N_("We have received your request concerning personal data"),
    RequestLetter.FORWARDED: N_("Your request concerning personal data has been forwarded"),
    RequestLetter.RESPONSE: N_("Answer to your request concerning personal data"),
}
ACK_TEXT = N_(
    "We received your request on %(received)s. We will answer it as soon as possible and at the "
    "latest by %(due)s."
)
ACK_EXTENDED = N_(
    "Because of %(reason)s, the time to answer has been extended; we will answer by %(due)s at "
    "the latest."
)
FORWARD_TEXT = N_(
    "Rights concerning personal data are exercised with the controller of the data. We "
    "therefore forwarded your request, received on %(received)s, to %(to)s on %(forwarded)s. "
    "They will answer you directly."
)
RESPONSE_TEXT = N_("In answer to your request received on %(received)s we inform you:")
DPO_TEXT = N_(
    "If you need more information, you can contact our data protection officer (see below)."
)
COMPLAINT_TEXT = N_(
    "If you are not satisfied with the answer to your request, you have the right to lodge a "
    "complaint with the supervisory authority:"
)
DPO_TITLE = N_("Data protection officer")
NO_DPO = N_("the school office")


@dataclass(frozen=True)
class RequestLetterData(LetterHeader):  # to the requester (or the adult student, R48)
    which: RequestLetter
    country: str
    subject_name: str
    received_at: datetime
    due_on: date
    forward_to: str = ""
    forwarded_on: date | None = None
    extension_reason: str = ""
    answer: str = ""
    dpo: tuple[str, ...] = ()  # name, e-mail, phone, address


def request_letter(tr: Translator, data: RequestLetterData, zone: tzinfo) -> Letter:
    values = {
        "received": tr.format_datetime(data.received_at, zone),
        "due": tr.format_date(data.due_on),
        "to": data.forward_to,
        "forwarded": tr.format_date(data.forwarded_on) if data.forwarded_on else "",
        "reason": data.extension_reason,
    }
    rows = [(tr.gettext("Request received"), values["received"])]
    if data.subject_name:
        rows.append((tr.gettext("Concerns"), data.subject_name))
    after: list[Block] = []
    if data.which is RequestLetter.ACKNOWLEDGEMENT:
        rows.append((tr.gettext("Answer due by"), values["due"]))
        texts = [tr.gettext(ACK_TEXT) % values]
        if data.extension_reason:
            texts.append(tr.gettext(ACK_EXTENDED) % values)
    elif data.which is RequestLetter.FORWARDED:
        rows += [
            (tr.gettext("Forwarded to"), data.forward_to),
            (tr.gettext("Forwarded on"), values["forwarded"]),
        ]
        texts = [tr.gettext(FORWARD_TEXT) % values]
    else:
        texts = [tr.gettext(RESPONSE_TEXT) % values]
        # the answer right after "we inform you:", then where to ask more
        after.append(Boxed(data.answer.strip() or "—"))
    if after:
        after.append(Paragraph(tr.gettext(DPO_TEXT)))
    else:
        texts.append(tr.gettext(DPO_TEXT))
    after += _contacts(tr, data)
    return Letter(
        data.recipient,
        tr.gettext(SUBJECTS[data.which]),
        tuple(rows),
        texts,
        reader=data.reader,
        reader_gender=data.reader_gender,
        after=tuple(after),
    )


def _contacts(tr: Translator, data: RequestLetterData) -> list[Block]:
    name, lines = SUPERVISORY_AUTHORITY[data.country]
    dpo = data.dpo or (tr.gettext(NO_DPO),)
    return [
        contact_block(tr.gettext(DPO_TITLE), dpo),
        Paragraph(tr.gettext(COMPLAINT_TEXT)),
        contact_block(name, lines),
    ]
