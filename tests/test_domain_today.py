"""The Today list's rules (issue 19): urgency groups, the window ahead, the age calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from desktop.domain.today import (
    Action,
    DueItem,
    ItemKind,
    Urgency,
    counts,
    grouped,
    in_window,
    make_item,
    thresholds_reached,
    urgency,
)

MON = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("due", "passed", "expected"),
    [
        (date(2026, 11, 30), False, Urgency.OVERDUE),
        (date(2026, 12, 6), False, Urgency.OVERDUE),  # yesterday
        (MON, False, Urgency.TODAY),
        (MON, True, Urgency.OVERDUE),  # an instant deadline earlier today (a breach's 72 h)
        (date(2026, 12, 8), False, Urgency.THIS_WEEK),  # tomorrow
        (date(2026, 12, 14), False, Urgency.THIS_WEEK),  # a week ahead
        (date(2026, 12, 15), False, Urgency.LATER),
        (date(2026, 12, 21), False, Urgency.LATER),  # 14 days ahead
    ],
)
def test_urgency_groups(due, passed, expected):
    assert urgency(due, MON, passed=passed) is expected


@pytest.mark.parametrize(
    ("kind", "due", "shown"),
    [
        (ItemKind.REQUEST, date(2020, 1, 1), True),  # overdue is always shown
        (ItemKind.REQUEST, date(2026, 12, 21), True),  # today + 14
        (ItemKind.REQUEST, date(2026, 12, 22), False),
        (ItemKind.AGE_THRESHOLD, date(2027, 2, 5), True),  # today + 60
        (ItemKind.AGE_THRESHOLD, date(2027, 2, 6), False),
        (ItemKind.TERMS_VERSION, date(2026, 12, 21), True),
    ],
)
def test_the_window_ahead(kind, due, shown):
    assert in_window(kind, due, MON) is shown


@pytest.mark.parametrize(
    ("birth", "country", "expected"),
    [
        (date(2008, 12, 20), "SI", [(18, date(2026, 12, 20))]),
        (date(2011, 12, 7), "SI", [(15, date(2026, 12, 7))]),  # today counts
        (date(2011, 12, 6), "SI", []),  # yesterday: already reached
        (date(2013, 12, 24), "EE", [(13, date(2026, 12, 24))]),
        (date(2013, 12, 24), "SI", []),  # no 13-year rule for Slovenian schools
        (date(2011, 12, 24), "EE", []),  # no 15-year rule for Estonian schools
        (date(2009, 2, 5), "EE", [(18, date(2027, 2, 5))]),  # the 60th day
        (date(2009, 2, 6), "EE", []),
    ],
)
def test_age_thresholds_in_the_next_60_days(birth, country, expected):
    assert [(y, d) for y, d, _text in thresholds_reached(birth, country, MON)] == expected


def test_a_29_february_birthday_counts_on_1_march():  # R6
    found = thresholds_reached(date(2012, 2, 29), "SI", date(2027, 2, 1))
    assert [(y, d) for y, d, _t in found] == [(15, date(2027, 3, 1))]


def _item(kind, due, person="", **kw) -> DueItem:
    return make_item(kind, due, MON, person, "Answer {who}", Action.CONSENT_REQUESTS, **kw)


def test_grouped_in_urgency_order_then_by_deadline():
    items = [
        _item(ItemKind.REQUEST, date(2026, 12, 20), "later"),
        _item(ItemKind.REQUEST, date(2026, 12, 9), "week 2"),
        _item(ItemKind.REQUEST, date(2026, 12, 8), "week 1"),
        _item(
            ItemKind.BREACH, MON, "breach", passed=True, due_at=datetime(2026, 12, 7, 8, tzinfo=UTC)
        ),
        _item(ItemKind.REQUEST, MON, "today"),
    ]
    groups = grouped(items)
    assert [(u, [i.person for i in rows]) for u, rows in groups] == [
        (Urgency.OVERDUE, ["breach"]),
        (Urgency.TODAY, ["today"]),
        (Urgency.THIS_WEEK, ["week 1", "week 2"]),
        (Urgency.LATER, ["later"]),
    ]
    assert counts(items) == {
        Urgency.OVERDUE: 1,
        Urgency.TODAY: 1,
        Urgency.THIS_WEEK: 2,
        Urgency.LATER: 1,
    }
    assert grouped([]) == []


def test_the_description_is_translated_then_filled():
    item = _item(ItemKind.REQUEST, MON, args={"who": "Ana"}, labels={})
    assert item.describe() == "Answer Ana"
    assert item.describe(lambda text: text.replace("Answer", "Vasta")) == "Vasta Ana"
    labelled = make_item(
        ItemKind.BILLING_PROPOSAL,
        MON,
        MON,
        "",
        "Do: {what}",
        Action.BILLING_DUE,
        labels={"what": "Refund"},
    )
    assert labelled.describe(lambda text: {"Refund": "Vračilo"}.get(text, text)) == "Do: Vračilo"


@pytest.mark.parametrize("country", ["EE", "SI"])
@pytest.mark.parametrize("today", [MON, date(2028, 2, 29), date(2027, 12, 31), date(2026, 1, 1)])
def test_the_birth_ranges_hold_everyone_who_reaches_a_threshold(country, today):
    from datetime import timedelta

    from desktop.domain.today import birth_ranges

    ranges = birth_ranges(country, today)
    birth = date(today.year - 19, 1, 1)
    while birth <= date(today.year - 12, 12, 31):
        if thresholds_reached(birth, country, today):
            assert any(a <= birth <= b for a, b in ranges), birth
        birth += timedelta(days=1)
