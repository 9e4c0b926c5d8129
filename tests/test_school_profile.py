"""The school profile that every letterhead prints: editing it, its logo, its country."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image

from desktop.cli import main
from desktop.domain.errors import ConflictError, ValidationError
from desktop.services.roster import StudentInput

pytestmark = pytest.mark.db


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (20, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def test_update_changes_the_letterhead(services):
    school = services.school.require_school()
    services.school.update(replace(school, name="Tartu Tähe Kool", city="Tartu"), logo=_png())
    letterhead = services.documents.letterhead()
    assert letterhead.name == "Tartu Tähe Kool"
    assert "Tartu" in " ".join(letterhead.address_lines)
    assert letterhead.logo == _png()


def test_stale_profile_is_refused(services):
    school = services.school.require_school()
    services.school.update(replace(school, phone="+372 700 0000"))
    with pytest.raises(ConflictError):
        services.school.update(replace(school, phone="+372 711 1111"))


def test_country_is_fixed_once_students_exist(services):
    services.roster.create_student(StudentInput("Mari", "Tamm", "61205171232", class_name="1.a"))
    school = services.school.require_school()
    with pytest.raises(ValidationError) as info:
        services.school.update(replace(school, country="SI"))
    assert info.value.field == "country"


def test_cli_update_with_logo(services, tmp_path, capsys):
    url = services.db.engine.url.render_as_string(hide_password=False)
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png())
    assert (
        main(
            ["--database", url, "school", "update", "--phone", "+372 736 1234", "--logo", str(logo)]
        )
        == 0
    )
    assert services.school.require_school().phone == "+372 736 1234"
    assert services.school.logo() == _png()
    not_a_picture = tmp_path / "logo.txt"
    not_a_picture.write_text("hello")
    assert main(["--database", url, "school", "update", "--logo", str(not_a_picture)]) == 1
    assert "PNG or JPEG" in capsys.readouterr().err
    assert services.school.logo() == _png()  # nothing stored is lost on bad input
