import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.errors import ValidationError
from desktop.domain.personal_codes import normalise_code_text, parse_personal_code


@pytest.mark.parametrize(
    ("code", "birth"),
    [  # R32 test vectors
        ("61205171232", date(2012, 5, 17)),
        ("51205171231", date(2012, 5, 17)),
        ("61205170047", date(2012, 5, 17)),
        ("61205171680", date(2012, 5, 17)),
        ("60802290016", date(2008, 2, 29)),
    ],
)
def test_valid_isikukood(code, birth):
    parsed = parse_personal_code(code, "EE")
    assert parsed.code == code and parsed.birth_date == birth and parsed.warnings == ()


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("60902290019", "not a real date"),  # R32: 29 Feb 2009 does not exist
        ("61205171233", "check digit"),
        ("6120517123", "11 digits"),
        ("612051712A2", "digits only"),
        ("91205171232", "first digit"),
        ("", "empty"),
    ],
)
def test_invalid_isikukood_names_the_reason(code, reason):
    with pytest.raises(ValidationError) as info:
        parse_personal_code(code, "EE")
    assert reason in info.value.reason
    assert info.value.field == "personal_code"


@pytest.mark.parametrize(
    ("code", "birth", "warned"),
    [  # R37 test vectors
        ("1705012505121", date(2012, 5, 17), False),
        ("0101006500006", date(2006, 1, 1), False),
        ("1705012500030", date(2012, 5, 17), False),  # r = 0 gives K = 0
        ("1705012500120", date(2012, 5, 17), True),  # r = 1 edge case: accepted with warning
    ],
)
def test_valid_emso(code, birth, warned):
    parsed = parse_personal_code(code, "SI")
    assert parsed.birth_date == birth
    assert bool(parsed.warnings) == warned


def test_emso_r1_edge_case_warns_about_check_digit():
    parsed = parse_personal_code("1705012500120", "SI")
    assert any("check digit would be 10" in w for w in parsed.warnings)


@pytest.mark.parametrize("code", ["1705012505122", "3002012505120", "17050125051"])
def test_invalid_emso(code):
    with pytest.raises(ValidationError):
        parse_personal_code(code, "SI")


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("101006500006", "SI", "0101006500006"),  # Excel dropped the leading zero
        (101006500006, "SI", "0101006500006"),
        (101006500006.0, "SI", "0101006500006"),
        ("61205171232.0", "EE", "61205171232"),
        ("6,1205171232E+10", "EE", "61205171232"),
        ("6.1205171232E+10", "EE", "61205171232"),
        ("'0101006500006", "SI", "0101006500006"),
        (" 612 0517 1232 ", "EE", "61205171232"),
        ("6.12E+10", "EE", "61200000000"),  # digits lost: not a valid code any more
    ],
)
def test_normalise_spreadsheet_damage(raw, country, expected):
    assert normalise_code_text(raw, country) == expected


def test_truncated_scientific_code_is_rejected():
    with pytest.raises(ValidationError):
        parse_personal_code("6.12E+10", "EE")


@given(st.text(max_size=20))
def test_parser_never_crashes(text):
    for country in ("EE", "SI"):
        with contextlib.suppress(ValidationError):
            parse_personal_code(text, country)
