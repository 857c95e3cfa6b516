"""Who may do what: the one module both faces (HTML and API) ask.

Rules: a user acts on tasks whose lane role they hold; a task bound to a person
(a board member's scoring) or to organisations (a partner's EoI) is only theirs;
four-eyes (Gate 4 never by the mobilisation pack's preparer); competing partners never
see each other's data; a board member scoring their own organisation's EoI must declare
the conflict.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from .models import ProcessInstance, Task, User
from .visibility import Reader, reader_for  # noqa: F401 - what each reader may see of a project

ROLES = (
    "sponsor", "hub_team", "industry_partner", "board_member", "board_chair", "clinical_lead",
    "finance_approver", "evidence_panel", "dmbc_board", "procurement", "process_owner",
    "auditor", "admin",
)
# Roles of people outside the Hub's own governance, who only see what involves them.
EXTERNAL_ROLES = {"sponsor", "industry_partner"}
def is_internal(user: User) -> bool:
    return bool(user.roles - EXTERNAL_ROLES)


def organisation_token(name: str) -> str:
    return f"|{name}|"


def may_see_instance(user: User, instance: ProcessInstance) -> bool:
    if is_internal(user):
        return True
    if "sponsor" in user.roles and instance.started_by == user.username:
        return True
    org = user.organisation_name
    return bool(org) and organisation_token(org) in (instance.organisations or "")


def visible_instances_clause(user: User) -> ColumnElement[bool] | None:
    """The SQL form of may_see_instance; None means every instance."""
    if is_internal(user):
        return None
    conditions = [ProcessInstance.started_by == user.username] if "sponsor" in user.roles else []
    if user.organisation_name:
        token = organisation_token(user.organisation_name)
        conditions.append(ProcessInstance.organisations.contains(token, autoescape=True))
    return or_(*conditions) if conditions else ProcessInstance.id.is_(None)


def may_act_on(user: User, task: Task) -> str | None:
    """Why the user may not act on this open task, or None if they may."""
    if task.role not in user.roles:
        return f"This task is for the {task.role} role."
    if task.assignee and task.assignee != user.username:
        return "This task is assigned to someone else."
    if task.organisations and organisation_token(user.organisation_name or "") not in task.organisations:
        return "This task belongs to another organisation."
    if task.excluded_users and f"|{user.username}|" in task.excluded_users:
        return "Four-eyes rule: you prepared what this task approves, so someone else must decide."
    if task.claimed_by and task.claimed_by != user.username:
        return f"This task is claimed by {task.claimed_by}."
    return None


def may_see_task(user: User, task: Task) -> bool:
    """Tasks bound to another person or organisation are invisible (404), not forbidden."""
    if task.organisations and organisation_token(user.organisation_name or "") not in task.organisations:
        return is_internal(user) and "industry_partner" not in user.roles
    if task.assignee and task.assignee != user.username:
        return is_internal(user)
    return True


def actionable_tasks_clause(user: User) -> ColumnElement[bool]:
    """The SQL form of may_act_on for inbox queries (claimed tasks stay visible to others)."""
    org = user.organisation_name or ""
    return and_(
        Task.role.in_(sorted(user.roles)),
        or_(Task.assignee.is_(None), Task.assignee == user.username),
        or_(Task.organisations.is_(None), Task.organisations.contains(organisation_token(org), autoescape=True)),
        or_(Task.excluded_users.is_(None), ~Task.excluded_users.contains(f"|{user.username}|", autoescape=True)),
    )


def conflict_errors(user: User, data: dict) -> dict[str, str]:
    """A board member scoring their own organisation's EoI must declare the conflict, and scores
    each EoI once (a second row could declare a conflict while the first one's score counts)."""
    org = user.organisation_name
    errors, seen = {}, set()
    for i, score in enumerate(data.get("scores") or []):
        if not isinstance(score, dict):
            continue
        partner = score.get("partner")
        if partner in seen:
            errors[f"scores.{i}.partner"] = f"You already scored {partner}'s EoI above: one row per EoI."
        seen.add(partner)
        if org and partner == org and not score.get("conflict_of_interest"):
            errors[f"scores.{i}.conflict_of_interest"] = (
                f"You belong to {org}: declare the conflict of interest for its EoI.")
    return errors
