"""The diagram's task properties, declared once (engine.kernel.task_rules)."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from engine import spiff
from engine.kernel.task_rules import DURATION_PATTERN, rules_for

WELL_FORMED = ["P10D", "P2W", "PT4H", "P1Y2M3DT4H5M6S", "P1.5D", "P0.5W", "PT30M", "PT1.5H"]
ODD = ["P1W2D", "PT", "P", "P-1D", "10D", "P1DT", "two days", "P1D ", "1 week"]


@pytest.mark.parametrize("value", WELL_FORMED + ODD)
def test_the_modeller_accepts_a_due_date_only_when_the_engine_can_read_it(value):
    try:
        readable = spiff.parse_duration(value) > timedelta(0)
    except Exception:  # noqa: BLE001 - any refusal is a refusal
        readable = False
    accepted = bool(re.match(DURATION_PATTERN, value))
    assert accepted <= readable and (accepted or value not in WELL_FORMED)


def test_what_a_task_is_due_and_whose_it_is_follow_from_its_properties_and_the_data():
    ready = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    rules = rules_for({"dueIn": "P2W", "assignee": "board_member", "organisation": "partner", "stage": "gate2",
                       "notCompletedBy": "prepare_pack"}, {"board_member": "bea.board", "partner": ["A", "B"]}, ready)
    assert rules.due_at == ready + timedelta(days=14) and rules.assignee == "bea.board"
    assert (rules.organisations, rules.stage, rules.prepared_by) == ("|A|B|", "gate2", "prepare_pack")
    unset = rules_for({"assignee": "board_member"}, {}, ready)
    assert (unset.assignee, unset.organisations, unset.due_at, unset.stage) == (None, None, None, "")


def test_a_task_due_by_a_date_in_the_data_is_due_at_the_end_of_that_day_and_escalated_after_its_grace():
    ready = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    properties = {"dueIn": "P10D", "dueBy": "scoring_closes_at", "escalateAfter": "P1D"}
    rules = rules_for(properties, {"scoring_closes_at": "2026-03-06"}, ready)
    assert rules.due_at == datetime(2026, 3, 6, 23, 59, 59, tzinfo=timezone.utc)
    assert rules.escalate_at == rules.due_at + timedelta(days=1)
    for no_date in ({}, {"scoring_closes_at": None}, {"scoring_closes_at": "next Friday"}):
        assert rules_for(properties, no_date, ready).due_at == ready + timedelta(days=10)  # then dueIn counts
    assert rules_for({"dueIn": "P10D"}, {}, ready).escalate_at == ready + timedelta(days=12)  # two days' grace
