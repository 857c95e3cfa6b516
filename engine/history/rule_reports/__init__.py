"""Rule reports for auditors over the whole history: four-eyes, conflicts of interest in board
scoring, and each role's actions by person.

Each report function raises Forbidden unless the user is an auditor or an administrator; view_report
is what a reader asks for: the report and its record, in one unit of work."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.history.access_records import record_access
from engine.history.rule_reports.actions import (
    ACTION_HEADER,
    ACTION_KINDS,
    COUNT_HEADER,
    NO_ROLE,
    Action,
    ActionCount,
    count_actions,
    list_actions,
)
from engine.history.rule_reports.conflicts import HEADER as CONFLICT_HEADER
from engine.history.rule_reports.conflicts import ConflictCheck, check_conflicts
from engine.history.rule_reports.four_eyes import HEADER as FOUR_EYES_HEADER
from engine.history.rule_reports.four_eyes import FourEyesCheck, FourEyesRule, check_four_eyes
from engine.history.rule_reports.trail import (
    BREACH,
    KEPT,
    EventRef,
    Filters,
    Report,
    display_names,
    project_titles,
    require_reader,
)
from engine.store.models import User

__all__ = ["ACTION_HEADER", "ACTION_KINDS", "BREACH", "CONFLICT_HEADER", "COUNT_HEADER", "FOUR_EYES_HEADER", "KEPT",
           "NO_ROLE", "Action", "ActionCount", "ConflictCheck", "EventRef", "Filters", "FourEyesCheck", "FourEyesRule",
           "Report", "actions_report", "conflicts_report", "four_eyes_report", "rules_summary", "view_report"]


EVERYTHING = Filters()


def four_eyes_report(session: Session, *, user: User, filters: Filters = EVERYTHING) -> Report:
    """Every completion of an approval task against every earlier completion of what it approves."""
    require_reader(user)
    checks = check_four_eyes(session, filters)
    return Report(checks, len(checks), display_names(session), project_titles(session))


def conflicts_report(session: Session, *, user: User, filters: Filters = EVERYTHING) -> Report:
    """The board scores where a conflict of interest was declared or should have been."""
    require_reader(user)
    checks, checked = check_conflicts(session, filters)
    return Report(checks, checked, display_names(session), project_titles(session))


def actions_report(session: Session, *, user: User, filters: Filters = EVERYTHING) -> Report:
    """Counts per role, person and action (rows), and the actions themselves (detail)."""
    require_reader(user)
    actions = list_actions(session, filters)
    return Report(count_actions(actions), len(actions), display_names(session), project_titles(session),
                  detail=actions)


def rules_summary(session: Session, *, user: User) -> dict[str, tuple[int, int]]:
    """For the index: per check, how many things were checked and how many breaches (no names shown)."""
    require_reader(user)
    four_eyes = check_four_eyes(session, EVERYTHING)
    conflicts, scores = check_conflicts(session, EVERYTHING)
    return {"four_eyes": (len(four_eyes), sum(c.verdict == BREACH for c in four_eyes)),
            "conflicts": (scores, sum(c.verdict == BREACH for c in conflicts))}


def view_report(session: Session, *, user: User, clock: Clock, report: Callable[..., Report], name: str,
                filters: Filters = EVERYTHING, download: bool = False) -> Report:
    """One of the reports above (`report`, called `name` on the record), with the reader's view of it put on
    the record in the same unit of work: a report that cannot be computed records nothing."""
    computed = report(session, user=user, filters=filters)
    what = f"rule report: {name}{' (CSV)' if download else ''} for {filters.describe()}"
    record_access(session, user=user, at=clock.now(), what=what, instance_id=filters.project)
    return computed
