"""The first start on an empty database makes the OS account its administrator, shown by the
name the OS keeps for it ("Signed in as Marija Novak"), never by login when a name exists."""

from __future__ import annotations

import sys

import pytest

from desktop.services import staff
from desktop.services.staff import os_full_name, os_login, resolve_actor

pytestmark = pytest.mark.db


@pytest.mark.parametrize(
    ("os_name", "shown"), [("Marija Novak", "Marija Novak"), ("", None)], ids=["named", "nameless"]
)
def test_the_first_administrator_takes_the_os_accounts_name(db, monkeypatch, os_name, shown):
    monkeypatch.setattr(staff, "os_full_name", lambda login: os_name)
    actor = resolve_actor(db)
    assert actor.login == os_login()
    assert actor.display_name == (shown or os_login())
    assert resolve_actor(db).display_name == actor.display_name  # stored, not asked again


def test_another_login_is_not_looked_up(db, monkeypatch):
    monkeypatch.setattr(staff, "os_full_name", lambda login: pytest.fail("looked up"))
    assert resolve_actor(db, "someone-else").display_name == "someone-else"


@pytest.mark.skipif(sys.platform == "win32", reason="the POSIX account database")
def test_an_unknown_account_has_no_name():
    assert os_full_name("no-such-account-school-office") == ""
