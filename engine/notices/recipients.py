"""Who is told: the people who may act on a task now, the Hub team for escalations, and those who follow a
project (its sponsor and its partners). Policy decides each; nobody is told of a task they may not do.

A change's follow-up loads the people it may tell in one query (people_for) and then asks policy of each."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import String, bindparam, text
from sqlalchemy.orm import Session

from engine import policy
from engine.store.lists import names_in
from engine.store.models import ProcessInstance, Task


@dataclass(frozen=True)
class Person:
    """A user as policy reads them (roles, organisation, name) and as a notice needs them (id, e-mail), loaded
    with one plain query: a change's follow-up must cost its task little."""
    id: int
    username: str
    display_name: str
    email: str | None
    organisation_name: str | None
    roles: frozenset[str]
    active: bool = True


_PEOPLE = text(
    "SELECT u.id, u.username, u.display_name, u.email, o.name, r.role FROM users u "
    "LEFT JOIN organisations o ON o.id = u.organisation_id JOIN user_roles r ON r.user_id = u.id "
    "WHERE u.active AND (u.id IN (SELECT user_id FROM user_roles WHERE role IN :roles) "
    "OR u.username IN :usernames OR o.name IN :organisations)"
).bindparams(*(bindparam(name, expanding=True, type_=String) for name in ("roles", "usernames", "organisations")))


def people_for(session: Session, *, roles: Iterable[str] = (), usernames: Iterable[str] = (),
               organisations: Iterable[str] = ()) -> list[Person]:
    """The active users holding any of `roles`, named in `usernames` or working for one of `organisations`."""
    wanted = {"roles": sorted(set(roles) - {None}), "usernames": sorted(set(usernames) - {None}),
              "organisations": sorted(set(organisations))}
    if not any(wanted.values()):
        return []
    found: dict[int, tuple] = {}
    roles_of: dict[int, set[str]] = {}
    for user_id, username, name, email, organisation, role in session.execute(_PEOPLE, wanted):
        found[user_id] = (user_id, username, name, email, organisation)
        roles_of.setdefault(user_id, set()).add(role)
    return [Person(*found[i], roles=frozenset(roles_of[i])) for i in sorted(found)]


def wanted_for_task(task: Task) -> dict:
    """What people_for needs to find a task's holders."""
    named = task.claimed_by or task.assignee
    return {"usernames": [named]} if named else {"roles": [task.role]}


def task_holders(people: list[Person], task: Task, instance: ProcessInstance) -> list[Person]:
    """Whoever holds the task (its claimer or assignee), else everyone whose role, organisation and four-eyes
    standing let them do it, in a project they may see (a sponsor sees only the challenges they proposed)."""
    named = task.claimed_by or task.assignee
    return [u for u in people if (u.username == named if named else policy.holds_role(u, task.role))
            and policy.may_act_on(u, task) is None and policy.may_see_instance(u, instance)]


def escalation_contacts(session: Session) -> list[Person]:
    people = people_for(session, roles=policy.ESCALATION_ROLES)
    return [u for u in people if policy.is_escalation_contact(u)]


def wanted_for_followers(instance: ProcessInstance) -> dict:
    return {"usernames": [instance.started_by], "organisations": names_in(instance.organisations or "")}


def project_followers(people: list[Person], instance: ProcessInstance) -> list[tuple[Person, str]]:
    """The sponsor who proposed the project and the people of the organisations taking part, each with the stage as
    they see it; those who do not follow the stage it is in (a partner not selected at Gate 2) are left out."""
    organisations = set(names_in(instance.organisations or ""))
    followers = []
    for person in people:
        if (person.username == instance.started_by or person.organisation_name in organisations) \
                and policy.follows_as_outsider(person) and policy.may_see_instance(person, instance):
            seen = policy.reader_for(person, instance).stage(instance.stage)
            if seen:
                followers.append((person, seen))
    return followers


def holders_of(session: Session, task: Task, instance: ProcessInstance) -> list[Person]:
    return task_holders(people_for(session, **wanted_for_task(task)), task, instance)


def followers_of(session: Session, instance: ProcessInstance) -> list[tuple[Person, str]]:
    return project_followers(people_for(session, **wanted_for_followers(instance)), instance)
