"""What follows a change to a project, in its transaction: a task made for someone who is away goes to their
delegate, the people who may do each new task are told, and the sponsor and partners hear of a new stage.
Every service that moves a project calls after_change once its workflow is saved.

It costs at most three queries: the people it may tell, the delegations in force (only when a new task is
bound to a person) and the preferences of those told."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.identity.delegation import delegations_in_force
from engine.kernel.stages import stage_name
from engine.kernel.task_rows import made_ready
from engine.notices import messages
from engine.notices.handover import hand_over, refusal
from engine.notices.outbox import send_all
from engine.notices.recipients import (
    Person,
    people_for,
    project_followers,
    task_holders,
    wanted_for_followers,
    wanted_for_task,
)
from engine.store.models import Delegation, ProcessInstance, Task


def after_change(session: Session, instance: ProcessInstance, *, stage_before: str, actor: str) -> None:
    """Follow up a change the kernel has just saved: its new tasks, and its new stage if it has one."""
    tasks = [(task, task.created_at) for task in made_ready(session) if task.state == "ready"]
    stage_changed = instance.stage != stage_before
    if not tasks and not stage_changed:
        return
    away = _away(session, tasks)
    wanted: dict[str, list] = {"roles": [], "usernames": [], "organisations": []}
    for task, _ in tasks:
        for key, values in wanted_for_task(task).items():
            wanted[key] += values
    wanted["usernames"] += [d.delegate.username for d in away.values()]
    if stage_changed:
        for key, values in wanted_for_followers(instance).items():
            wanted[key] += values
    people = people_for(session, **wanted)
    batch = []
    for task, at in tasks:
        if not _to_delegate(session, instance, task, away, at=at):
            told = [u for u in task_holders(people, task, instance) if u.username != actor]  # the actor sees it
            batch.append((told, messages.task_ready(task, instance)))
    if stage_changed:
        batch += _for_followers(people, instance, actor=actor)
    send_all(session, batch, now=instance.updated_at)


def _away(session: Session, tasks: list[tuple[Task, object]]) -> dict[str, Delegation]:
    """The delegations in force of the people new tasks are bound to."""
    bound = {task.assignee for task, _ in tasks if task.assignee}
    if not bound:
        return {}
    today = tasks[0][1].date()
    return {d.user.username: d for d in delegations_in_force(session, today=today) if d.user.username in bound}


def _to_delegate(session: Session, instance: ProcessInstance, task: Task, away: dict[str, Delegation], *,
                 at) -> bool:
    """A task made for one person who is away goes to their delegate, if policy lets the delegate do it."""
    delegation = away.get(task.assignee or "")
    if delegation is None:
        return False
    delegate = delegation.delegate
    if refusal(session, task, instance, delegate) is not None:
        return False  # the task stays theirs, and they are told of it
    hand_over(session, instance, task, delegate, actor=task.assignee, now=at, delegated=True,
              reason=f"{delegation.user.display_name} is away until {messages.day_in_words(delegation.ends_on)}; "
                     f"{delegate.display_name} is their delegate",
              message=messages.delegated(task, instance, away=delegation.user, until=delegation.ends_on))
    return True


def _for_followers(people: list[Person], instance: ProcessInstance, *, actor: str) -> list:
    """The sponsor and partners hear of a stage as they see it, and of none they do not follow."""
    return [([follower], messages.stage_changed(instance, stage_name(seen)))
            for follower, seen in project_followers(people, instance) if follower.username != actor]
