"""R101: after an authority restriction on one guardian, the subscriber, when a different
person, gets their own notice (D8) — from the CLI as from the service — with no more of the
measure than that the other profile left the subscription."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from desktop.cli import main
from desktop.domain.errors import ValidationError
from desktop.domain.roster import RestrictionKind
from tests.billing_fixtures import add_family, order_input, prepare_billing

pytestmark = pytest.mark.db


@pytest.fixture
def restricted(services_si):
    terms = prepare_billing(services_si)
    family = add_family(services_si)
    services_si.billing.order(order_input(family, terms, date(2026, 10, 2), both=True))
    services_si.roster.add_restriction(
        family.father_link_id,
        RestrictionKind.RESTRICTION,
        permanent=True,
        valid_from=date(2026, 11, 3),
        valid_to=None,
        authority="CSD Ljubljana",
    )
    return services_si, family


def _text(pdf_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler-utils")
    done = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def test_the_subscriber_gets_their_own_notice_from_the_cli(restricted, tmp_path, capsys):
    services, family = restricted
    url = services.db.engine.url.render_as_string(hide_password=False)
    code = services.roster.get(family.student_id).personal_code
    out = tmp_path / "d8-subscriber.pdf"
    args = ["--database", url, "print", "restriction-notice", "--student", code]
    assert main([*args, "--guardian", "mojca.novak@example.si", "--out", str(out)]) == 0
    text = _text(out)
    father = next(
        g.full_name
        for g in services.roster.get(family.student_id).guardians
        if g.guardian_id == family.father_id
    )
    assert father in text and "3. 11. 2026" in text
    assert "CSD" not in text  # nothing of the measure itself


def test_only_the_subscriber_of_such_a_subscription_gets_it(restricted):
    services, family = restricted
    with pytest.raises(ValidationError, match="subscriber"):
        services.consent.print_subscriber_restriction_notice(family.student_id, family.father_id)
