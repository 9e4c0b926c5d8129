"""D17: the notices after a personal-data breach (R69, R70): the text for the home page, the
letter or e-mail to each person concerned, and the data of the report to the authority. Each
shows the deadline, detected_at + 72 hours, and the time left when it was printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from desktop.documents.letter_parts import Letter, contact_block
from desktop.documents.model import Block, Boxed, KeyValueTable, Paragraph
from desktop.i18n import N_, Translator

HOME_TITLE = N_("Notice of a personal data breach")
LETTER_SUBJECT = N_("Your personal data may have been affected by a data breach")
REPORT_TITLE = N_("Personal data breach: data for the report to the authority")
TEXTS = (
    N_(
        "On %(detected)s the school became aware of a possible breach of the security of "
        "personal data. We are informing everyone who may be concerned."
    ),
    N_("What happened: %(description)s"),
    N_("Data concerned: %(categories)s"),
    N_("Measures taken: %(measures)s"),
    N_(
        "If you have questions or notice anything unusual, please contact the school office "
        "or our data protection officer."
    ),
)
LETTER_FIRST = N_(
    "We are writing to you because you are among the persons whose personal data may be "
    "concerned by a data breach."
)
NO_MEASURES = N_("being determined")
DEADLINE = N_("Notices due by")
TIME_LEFT = N_("Time left when printed")
OVERDUE = N_("the deadline has passed")
HOURS_LEFT = N_("%(hours)d h %(minutes)02d min")
AUTHORITIES_TITLE = N_("Report to")


@dataclass(frozen=True)
class BreachData:
    country: str
    detected_at: datetime
    deadline: datetime
    description: str
    categories: tuple[str, ...]  # already translated labels
    measures: str
    affected_count: int
    notices_sent: tuple[tuple[str, datetime | None], ...]  # (translated notice, sent_at)
    authorities: tuple[tuple[str, tuple[str, ...]], ...]  # (name, contact lines)
    printed_at: datetime
    controller: tuple[str, ...] = ()  # the school: name, registry code, contacts


def _values(tr: Translator, data: BreachData, zone: tzinfo) -> dict[str, str]:
    return {
        "detected": tr.format_datetime(data.detected_at, zone),
        "description": data.description,
        "categories": ", ".join(data.categories) or "—",
        "measures": data.measures or tr.gettext(NO_MEASURES),
    }


def time_left(tr: Translator, deadline: datetime, now: datetime) -> str:
    left = deadline - now
    if left <= timedelta(0):
        return tr.gettext(OVERDUE)
    minutes = int(left.total_seconds() // 60)
    return tr.gettext(HOURS_LEFT) % {"hours": minutes // 60, "minutes": minutes % 60}


def _clock_rows(tr: Translator, data: BreachData, zone: tzinfo) -> tuple[tuple[str, str], ...]:
    return (
        (tr.gettext("Detected"), tr.format_datetime(data.detected_at, zone)),
        (tr.gettext(DEADLINE), tr.format_datetime(data.deadline, zone)),
        (tr.gettext(TIME_LEFT), time_left(tr, data.deadline, data.printed_at)),
    )


def home_page_body(tr: Translator, data: BreachData, zone: tzinfo) -> list[Block]:
    values = _values(tr, data, zone)
    return [
        KeyValueTable(_clock_rows(tr, data, zone)),
        *(Paragraph(tr.gettext(t) % values) for t in TEXTS),
    ]


def affected_letter(
    tr: Translator, data: BreachData, zone: tzinfo, recipient: tuple[str, ...], name: str
) -> Letter:
    values = _values(tr, data, zone)
    return Letter(
        recipient,
        tr.gettext(LETTER_SUBJECT),
        _clock_rows(tr, data, zone)[:2],
        [tr.gettext(LETTER_FIRST), *(tr.gettext(t) % values for t in TEXTS)],
        reader=name,
    )


def report_body(tr: Translator, data: BreachData, zone: tzinfo) -> list[Block]:
    values = _values(tr, data, zone)
    rows = [
        *_clock_rows(tr, data, zone),
        (tr.gettext("Data categories"), values["categories"]),
        (tr.gettext("Persons concerned"), str(data.affected_count)),
    ]
    for label, sent in data.notices_sent:
        rows.append((label, tr.format_datetime(sent, zone) if sent else tr.gettext("not yet")))
    body: list[Block] = [KeyValueTable(tuple(rows))]
    if data.controller:
        body.append(contact_block(tr.gettext("Controller"), data.controller))
    body += [
        Boxed(data.description, tr.gettext("What happened")),
        Boxed(values["measures"], tr.gettext("Measures taken")),
        Paragraph(tr.gettext(AUTHORITIES_TITLE) + ":"),
    ]
    body += [contact_block(name, lines) for name, lines in data.authorities]
    return body
