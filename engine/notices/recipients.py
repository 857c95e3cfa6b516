"""Who is told: the people who may act on a task now, the Hub team for escalations, and those who follow a
project (its sponsor and its partners). Policy decides each; nobody is told of a task they may not do."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.store.lists import names_in
from engine.store.models import Organisation, ProcessInstance, Task, User, UserRole


def task_holders(session: Session, task: Task) -> list[User]:
    """Whoever holds the task (its claimer or assignee), else everyone whose role, organisation and four-eyes
    standing let them do it, in a project they may see (a sponsor sees only the challenges they proposed)."""
    named = task.claimed_by or task.assignee
    if named:
        people = list(session.scalars(select(User).where(User.username == named, User.active)))
    else:
        people = list(session.scalars(select(User).join(UserRole).where(UserRole.role == task.role, User.active)))
    instance = session.get(ProcessInstance, task.instance_id)
    return [u for u in people if policy.may_act_on(u, task) is None and policy.may_see_instance(u, instance)]


def escalation_contacts(session: Session) -> list[User]:
    people = session.scalars(select(User).join(UserRole).where(
        UserRole.role.in_(sorted(policy.ESCALATION_ROLES)), User.active))
    return [u for u in people if policy.is_escalation_contact(u)]


def project_followers(session: Session, instance: ProcessInstance) -> list[User]:
    """The sponsor who proposed the project and the people of the organisations taking part, as far as each may
    see it."""
    organisations = names_in(instance.organisations or "")
    stmt = select(User).where(User.active, User.username == instance.started_by)
    if organisations:
        stmt = select(User).outerjoin(Organisation, User.organisation_id == Organisation.id).where(
            User.active, (User.username == instance.started_by) | Organisation.name.in_(organisations))
    people = session.scalars(stmt).unique()
    return [u for u in people if u.roles & policy.EXTERNAL_ROLES and policy.may_see_instance(u, instance)]
