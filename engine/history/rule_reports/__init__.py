"""Rule reports for auditors over the whole history: four-eyes, conflicts of interest in board
scoring, and each role's actions by person.

Each report function raises Forbidden unless the user is an auditor or an administrator; the web
layer puts the view on the record first (record_view), then computes the report."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.clock import Clock
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
from engine.store.trail import record_access

__all__ = ["ACTION_HEADER", "ACTION_KINDS", "BREACH", "CONFLICT_HEADER", "COUNT_HEADER", "FOUR_EYES_HEADER", "KEPT",
           "NO_ROLE", "Action", "ActionCount", "ConflictCheck", "EventRef", "Filters", "FourEyesCheck", "FourEyesRule",
           "Report", "actions_report", "conflicts_report", "four_eyes_report", "record_view", "rules_summary"]


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


def record_view(session: Session, *, user: User, clock: Clock, report: str, filters: Filters,
                download: bool = False) -> None:
    """Put a reader's view of a report on the record: in its own short unit of work, before the
    report is computed in a reading one (so a long report never holds the database's write lock)."""
    require_reader(user)
    what = f"rule report: {report}{' (CSV)' if download else ''} for {filters.describe()}"
    record_access(session, user=user, at=clock.now(), what=what, instance_id=filters.project)
