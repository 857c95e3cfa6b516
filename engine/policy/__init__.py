"""Who may do what: the one module both faces (HTML and API) ask, and the only one that reads a
user's roles (tests/engine/test_policy_is_the_only_role_reader.py keeps it so).

Rules: a user acts on tasks whose lane role they hold; a task bound to a person
(a board member's scoring) or to organisations (a partner's EoI) is only theirs;
four-eyes (Gate 4 never by the mobilisation pack's preparer); competing partners never
see each other's data; a board member scoring their own organisation's EoI must declare
the conflict. Admins manage users, roles, organisations and settings; reading, verifying and
exporting the record is the auditors' (an admin who must audit holds the auditor role too).
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from engine.store.lists import list_token
from engine.store.models import ProcessInstance, Task, User

from .discussion import (  # noqa: F401 - per comment
    Audience,
    comment_audiences,
    events_as_shown,
    may_read_comment,
    may_read_comment_event,
)
from .documents import may_read_draft, readable_documents, references_in, references_under  # noqa: F401
from .visibility import (  # noqa: F401 - per reader
    BOARD_ROLE,
    NOT_FOLLOWED,
    SOMEONE,
    Reader,
    board_of,
    reader_for,
    standing_of,
)

ROLES = (
    "sponsor", "hub_team", "industry_partner", "board_member", "board_chair", "clinical_lead",
    "finance_approver", "evidence_panel", "dmbc_board", "procurement", "process_owner",
    "auditor", "admin",
)
# The roles as the Hub says them, for every page, message and refusal.
ROLE_NAMES = {
    "sponsor": "Sponsor", "hub_team": "Hub team", "industry_partner": "Industry partner",
    "board_member": "Board member", "board_chair": "Board chair", "clinical_lead": "Clinical lead",
    "finance_approver": "Finance approver", "evidence_panel": "Evidence panel",
    "dmbc_board": "Decision-making business case board", "procurement": "Procurement",
    "process_owner": "Process owner", "auditor": "Auditor", "admin": "Administrator",
}


def role_name(role: str) -> str:
    """'hub_team' -> 'Hub team'; a role a diagram names but the list does not know, with spaces for underscores."""
    return ROLE_NAMES.get(role, role.replace("_", " ").capitalize())


def start_refused(first_roles: set[str], process_name: str) -> str:
    """Why someone may not start a process, in words: who may."""
    roles = " or ".join(role_name(role) for role in sorted(first_roles)) or "no"
    return f"Only people with the {roles} role may start {process_name}."


# Roles of people outside the Hub's own governance, who only see what involves them.
EXTERNAL_ROLES = {"sponsor", "industry_partner"}
# Who may do what beyond acting on tasks (a task's lane in the diagram decides that).
AUDITORS = frozenset({"auditor"})  # read, verify and export the record; an admin alone does not
AUDIT_READERS = VERIFIERS = EXPORTERS = REPLAY_READERS = AUDITORS
ADMINISTRATORS = frozenset({"admin"})  # users, roles, organisations, settings
PROCESS_OWNERS = frozenset({"process_owner"})  # deploy, edit drafts, migrate running projects
VERSION_READERS = PROCESS_OWNERS | ADMINISTRATORS | AUDITORS  # deployed versions, their files and diffs
DASHBOARD_READERS = frozenset({"hub_team", "admin", "auditor", "board_chair", "process_owner"})
REGISTER_RECORDERS = frozenset({"hub_team", "admin"})  # record past projects in the register by hand
TASK_RELEASERS = frozenset({"hub_team"})  # release a task someone else claimed
PROCEDURE_RUNNERS = frozenset({"hub_team"})  # take part in every project: its history and any task page
CHALLENGE_PROPOSERS = frozenset({"sponsor"})  # the six_gates diagram's first lane (start_instance asks the diagram)
ACCESS_RECORDED = AUDITORS | ADMINISTRATORS  # their reading of personal data is itself on the record
TASK_REASSIGNERS = frozenset({"hub_team", "admin"})  # give any open task to another person who may do it
PROJECT_STEWARDS = frozenset({"hub_team"})  # put a project on hold, resume it, stop it
WITHDRAWABLE_STAGES = frozenset({"", "proposal", "definition"})  # before Gate 1 approves the challenge
ESCALATION_ROLES = frozenset({"hub_team"})  # told when a task stays overdue past its grace period

def is_internal(user: User) -> bool:
    """Inside the Hub: an internal role and not an industry partner, whatever else a partner holds
    (the same standing the confidentiality allow-list gives them: competitors' projects stay hidden)."""
    return standing_of(user) != "outside"


def acting_roles(user: User) -> set[str]:
    """The lanes a user works in: a partner only in the external ones, whatever else they hold (a Hub task
    would show them what the Hub keeps from partners)."""
    return set(user.roles) if is_internal(user) else user.roles & EXTERNAL_ROLES


def may_read_as_outsider(user: User) -> bool:
    """Whether some project shows this user only what it shows people outside the Hub: a partner or sponsor
    everywhere, a board member who works for an organisation wherever they are not on its board."""
    standing = standing_of(user)
    return standing == "outside" or (standing == "board" and bool(user.organisation_name))


def _holds(user: User, roles: frozenset[str]) -> bool:
    return bool(user.roles & roles)


def _holds_inside(user: User, roles: frozenset[str]) -> bool:
    """A role that reads across projects counts only inside the Hub: a partner holding it too stays outside."""
    return is_internal(user) and _holds(user, roles)


def may_administer(user: User | None) -> bool:
    """Users, roles and organisations: active admins only."""
    return user is not None and user.active and _holds(user, ADMINISTRATORS)


def may_read_sign_ins(user: User) -> bool:
    """Who signed in, failed, was locked out, and the tokens and role mappings: auditors and administrators."""
    return _holds_inside(user, AUDIT_READERS) or may_administer(user)


def may_manage_tokens_of(actor: User, owner: User) -> bool:
    """An API token is listed and revoked by its owner, and by administrators."""
    return actor.active and (actor.id == owner.id or may_administer(actor))


def needs_second_factor(user: User, rules: list[tuple[str, str]]) -> bool:
    """Whether the administrators' rules, (scope, value) pairs, ask a second factor of this user at sign-in: a rule
    on one of their roles, or on their organisation."""
    return any(scope == "role" and value in user.roles
               or scope == "organisation" and value == user.organisation_name for scope, value in rules)


def may_verify(user: User) -> bool:
    return _holds_inside(user, VERIFIERS)


def may_export(user: User) -> bool:
    """The export holds every project's personal data: auditors only (their reading is recorded)."""
    return _holds_inside(user, EXPORTERS)


def may_read_rule_reports(user: User) -> bool:
    """Four-eyes, conflicts and actions by person are read from the whole record: auditors."""
    return _holds_inside(user, AUDIT_READERS)


def may_see_replay(user: User) -> bool:
    """GET /instances/{id}/replay: the instance as it stood after any event, auditors only (interface.md)."""
    return _holds_inside(user, REPLAY_READERS)


def may_read_access_records(user: User) -> bool:
    """Who viewed a project's personal data (shown in its history): auditors."""
    return _holds_inside(user, AUDIT_READERS)


def access_is_recorded(user: User) -> bool:
    """Whether this user's view of personal data goes on the record (auditors', and admins' too)."""
    return _holds(user, ACCESS_RECORDED)


def may_read_events(session: Session, user: User, instance: ProcessInstance) -> bool:
    """A project's audit trail (events API, history page): auditors, and those taking part in it
    (who started it, who completed one of its tasks, the Hub team who run it), each seeing only
    their own part. The caller has checked may_see_instance."""
    if _holds_inside(user, AUDIT_READERS | PROCEDURE_RUNNERS) or instance.started_by == user.username:
        return True
    acted = select(Task.id).where(Task.instance_id == instance.id, Task.completed_by == user.username)
    return session.scalars(acted.limit(1)).first() is not None


def may_deploy(user: User) -> bool:
    return _holds(user, PROCESS_OWNERS)


def may_edit_drafts(user: User) -> bool:
    """The modeller (drafts are their owner's alone, which engine.repository.drafts checks)."""
    return _holds(user, PROCESS_OWNERS)


def may_migrate(user: User) -> bool:
    return _holds(user, PROCESS_OWNERS)


def may_read_versions(user: User) -> bool:
    """Deployed versions beyond the list: one version's files, its diagram and the diff between two."""
    return _holds(user, VERSION_READERS)


def may_see_dashboard(user: User) -> bool:
    """The pipeline: the Hub and those who govern or audit the procedure."""
    return _holds_inside(user, DASHBOARD_READERS)


def may_see_register(user: User) -> bool:
    """The register of projects is for the Hub and the NHS organisations it works with."""
    return is_internal(user)


def may_record_register(user: User) -> bool:
    return _holds(user, REGISTER_RECORDERS)


def may_start(user: User, first_roles: set[str] | frozenset[str]) -> bool:
    """Starting a process: whoever holds a role of its first user tasks (anyone when it has none)."""
    return not first_roles or _holds(user, frozenset(first_roles))


def may_propose_challenge(user: User) -> bool:
    """The inbox's "Propose a new challenge" button (starting six_gates)."""
    return may_start(user, CHALLENGE_PROPOSERS)


def may_release(user: User, task: Task) -> bool:
    """Whoever claimed a task releases it; the Hub team may release anyone's claim."""
    return task.claimed_by == user.username or _holds_inside(user, TASK_RELEASERS)


def may_reassign(user: User) -> bool:
    """Reassigning an open task (someone left, is ill, or holds a board member's scoring): the Hub team and admins.
    The new holder must still be allowed the task itself (may_act_on)."""
    return _holds_inside(user, TASK_REASSIGNERS)


def may_steward(user: User) -> bool:
    """Holding, resuming and stopping a project: the Hub team who run the procedure."""
    return _holds_inside(user, PROJECT_STEWARDS)


def may_withdraw(user: User, instance: ProcessInstance) -> bool:
    """The sponsor who proposed a challenge may withdraw it (while may_still_withdraw)."""
    return "sponsor" in user.roles and instance.started_by == user.username


def may_still_withdraw(instance: ProcessInstance) -> bool:
    """Until Gate 1 approves a challenge, and while it is neither finished nor ended, it is only its sponsor's
    proposal."""
    return instance.stage in WITHDRAWABLE_STAGES and instance.status in ("running", "on_hold")


def may_withdraw_now(user: User, instance: ProcessInstance) -> bool:
    """Whether to offer this user the withdrawal of this project now."""
    return may_withdraw(user, instance) and may_still_withdraw(instance)


def may_delegate_to(user: User, delegate: User) -> bool:
    """An out-of-office delegate: an active colleague sharing one of the user's lanes; a partner's, of their own
    organisation (each task handed over is still checked as it is made)."""
    return delegate.active and bool(acting_roles(user) & acting_roles(delegate)) and (
        is_internal(user) or delegate.organisation_name == user.organisation_name)


def scores_already(user: User, task: Task, instance: ProcessInstance) -> bool:
    """A member of a project's board scores its call once: a board task in another member's place is never theirs
    too (whatever round of scoring it belongs to)."""
    return task.role == BOARD_ROLE and user.username in board_of(instance)


def holds_role(user: User, role: str | None) -> bool:
    """Whether the user holds the role of a task's lane (who to tell of it; may_act_on decides the rest)."""
    return role in user.roles


def may_see_process_diagram(user: User) -> bool:
    """The procedure's BPMN diagram and its fingerprint: inside the Hub. A sponsor or partner sees the
    stages in order instead (the diagram is the Hub's working map, its lanes and rules not theirs)."""
    return is_internal(user)


def follows_as_outsider(user: User) -> bool:
    """A sponsor or partner, who follows their own projects' progress from outside the Hub."""
    return bool(user.roles & EXTERNAL_ROLES)


def is_escalation_contact(user: User) -> bool:
    return user.active and _holds_inside(user, ESCALATION_ROLES)


def may_see_instance(user: User, instance: ProcessInstance) -> bool:
    if is_internal(user):
        return True
    if "sponsor" in user.roles and instance.started_by == user.username:
        return True
    org = user.organisation_name
    return bool(org) and list_token(org) in (instance.organisations or "")


def visible_instances_clause(user: User) -> ColumnElement[bool] | None:
    """The SQL form of may_see_instance; None means every instance."""
    if is_internal(user):
        return None
    conditions = [ProcessInstance.started_by == user.username] if "sponsor" in user.roles else []
    if user.organisation_name:
        token = list_token(user.organisation_name)
        conditions.append(ProcessInstance.organisations.contains(token, autoescape=True))
    return or_(*conditions) if conditions else ProcessInstance.id.is_(None)


def may_act_on(user: User, task: Task) -> str | None:
    """Why the user may not act on this open task, or None if they may."""
    if task.role not in acting_roles(user):
        return f"This task is for the {role_name(task.role)} role."
    if task.assignee and task.assignee != user.username:
        return "This task is assigned to someone else."
    if task.organisations and list_token(user.organisation_name or "") not in task.organisations:
        return "This task belongs to another organisation."
    if task.excluded_users and list_token(user.username) in task.excluded_users:
        return "Four-eyes rule: you prepared what this task approves, so someone else must decide."
    if task.claimed_by and task.claimed_by != user.username:
        return "This task is claimed by someone else."  # the task page names them, to those who may know
    return None


def may_see_task(user: User, task: Task) -> bool:
    """Tasks bound to another person or organisation are invisible (404), not forbidden."""
    if task.organisations and list_token(user.organisation_name or "") not in task.organisations:
        return is_internal(user)
    if task.assignee and task.assignee != user.username:
        return is_internal(user)
    return True


def may_open_task(user: User, task: Task) -> bool:
    """Who may open a task (its form and context; HTML page and GET /tasks/{id}): those whose lane it
    is and to whom it is bound (even while a colleague holds the claim or four-eyes bars them), whoever
    claimed or completed it, the Hub team who run the procedure, and auditors who read the record.
    Tasks the user may not see at all (may_see_task) are answered 404 before this is asked."""
    if not may_see_task(user, task):
        return False
    if user.username in (task.claimed_by, task.completed_by):
        return True
    if _holds_inside(user, PROCEDURE_RUNNERS | AUDITORS):
        return True
    bound_elsewhere = (task.assignee and task.assignee != user.username) or (
        task.organisations and list_token(user.organisation_name or "") not in task.organisations)
    return task.role in acting_roles(user) and not bound_elsewhere


def actionable_tasks_clause(user: User) -> ColumnElement[bool]:
    """The SQL form of may_act_on for inbox queries (claimed tasks stay visible to others)."""
    org = user.organisation_name or ""
    return and_(
        Task.role.in_(sorted(acting_roles(user))),
        or_(Task.assignee.is_(None), Task.assignee == user.username),
        or_(Task.organisations.is_(None), Task.organisations.contains(list_token(org), autoescape=True)),
        or_(Task.excluded_users.is_(None), ~Task.excluded_users.contains(list_token(user.username), autoescape=True)),
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
