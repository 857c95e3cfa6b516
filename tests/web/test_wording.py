"""How pages say dates, times, money and roles (web/wording.py)."""
from __future__ import annotations

import datetime as dt

from engine.policy import ROLES
from web import wording


def test_dates_and_times_read_as_nhs_pages_say_them_in_uk_time():
    assert wording.uk_date(dt.date(2026, 12, 20)) == "20 December 2026"
    assert wording.uk_date("2026-03-05") == "5 March 2026"
    summer = dt.datetime(2026, 7, 1, 13, 30, tzinfo=dt.timezone.utc)  # 2:30pm in London (BST)
    assert wording.uk_datetime(summer) == "1 July 2026 at 2:30pm"
    assert wording.uk_datetime(dt.datetime(2026, 12, 1, 12, 0)) == "1 December 2026 at midday"  # naive = UTC
    assert wording.uk_datetime(dt.datetime(2026, 12, 31, 23, 5)) == "31 December 2026 at 11:05pm"
    assert wording.uk_date("not a date") == "not a date" and wording.uk_date(None) == ""


def test_money_has_a_pound_sign_and_separators():
    assert wording.money(12500) == "£12,500"
    assert wording.money("2500000") == "£2,500,000"
    assert wording.money(99.5) == "£99.50"
    assert wording.money(-40) == "-£40"
    assert wording.money("") == "" and wording.money("about ten") == "about ten"


def test_every_role_has_a_name_in_words():
    assert set(wording.ROLE_NAMES) == set(ROLES)
    assert wording.role_name("hub_team") == "Hub team"
    assert all("_" not in name for name in wording.ROLE_NAMES.values())
