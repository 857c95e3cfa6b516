"""What each notification says: the project and the task in plain words, when it is due, and where to go.
Nothing else: no answers, scores or other organisations, so a message never tells its reader more than the
task's page would."""
from __future__ import annotations

from datetime import date

from engine import policy
from engine.notices import kinds
from engine.notices.outbox import Message
from engine.store.models import ProcessInstance, Task, User


def day_in_words(at: date | None) -> str:
    """20 December 2026, as every page and message says a date."""
    return f"{at.day} {at:%B %Y}" if at else ""


def _task_message(kind: str, task: Task, instance: ProcessInstance, subject: str, body: str) -> Message:
    return Message(kind=kind, subject=f"{subject}: {task.title} ({instance.title})", body=body,
                   link=f"/tasks/{task.id}", instance_id=instance.id, task_id=task.id)


def task_ready(task: Task, instance: ProcessInstance) -> Message:
    due = f" It is due by {day_in_words(task.due_at)}." if task.due_at else ""
    return _task_message(kinds.TASK_READY, task, instance, "Ready for you",
                         f"“{task.title}” in the project “{instance.title}” is ready for you to do.{due}")


def due_soon(task: Task, instance: ProcessInstance) -> Message:
    return _task_message(kinds.DUE_SOON, task, instance, f"Due {day_in_words(task.due_at)}",
                         f"“{task.title}” in the project “{instance.title}” is due by {day_in_words(task.due_at)}.")


def overdue(task: Task, instance: ProcessInstance) -> Message:
    return _task_message(kinds.OVERDUE, task, instance, "Overdue",
                         f"“{task.title}” in the project “{instance.title}” was due by {day_in_words(task.due_at)} "
                         "and is not done yet. If you cannot do it, tell the Hub team so they can give it to someone "
                         "else.")


def escalated(task: Task, instance: ProcessInstance) -> Message:
    held = f"held by {task.claimed_by or task.assignee}" if task.claimed_by or task.assignee else \
        f"for anyone with the {task.role.replace('_', ' ')} role"
    return _task_message(kinds.ESCALATED, task, instance, "Still overdue",
                         f"“{task.title}” in the project “{instance.title}” ({held}) was due by "
                         f"{day_in_words(task.due_at)} and is still not done. You can reassign it from its page.")


def reassigned(task: Task, instance: ProcessInstance, *, by: User, reason: str, to: User) -> Message:
    """Inside the Hub, who gave it and why; outside, only that the Hub team did (its people and reasons stay in)."""
    said = f"{by.display_name} gave you" if policy.is_internal(to) else "The Hub team has given you"
    why = f" Reason: {reason}" if policy.is_internal(to) else ""
    return _task_message(kinds.REASSIGNED, task, instance, "Given to you",
                         f"{said} “{task.title}” in the project “{instance.title}”.{why}")


def delegated(task: Task, instance: ProcessInstance, *, away: User, until: date) -> Message:
    return _task_message(kinds.REASSIGNED, task, instance, "Given to you while a colleague is away",
                         f"{away.display_name} is away until {day_in_words(until)} and named you their delegate, so "
                         f"“{task.title}” in the project “{instance.title}” is yours to do.")


def stage_changed(instance: ProcessInstance, stage_name: str) -> Message:
    return Message(kind=kinds.STAGE_CHANGED, subject=f"Moved on: {instance.title}",
                   body=f"The project “{instance.title}” is now at the stage: {stage_name}.",
                   link=f"/projects/{instance.id}", instance_id=instance.id)


LIFECYCLE = {  # a project's new status -> (subject, what happened)
    "on_hold": ("On hold", "has been put on hold by the Hub team: its tasks wait until it resumes"),
    "running": ("Resumed", "has resumed: its tasks can be done again"),
    "stopped": ("Stopped", "has been stopped by the Hub team"),
    "withdrawn": ("Withdrawn", "has been withdrawn by its sponsor"),
}


def lifecycle(instance: ProcessInstance, status: str) -> Message:
    subject, what = LIFECYCLE[status]
    return Message(kind=kinds.STAGE_CHANGED, subject=f"{subject}: {instance.title}",
                   body=f"The project “{instance.title}” {what}.", link=f"/projects/{instance.id}",
                   instance_id=instance.id)


def mentioned(instance: ProcessInstance, *, comment_id: int, by: User) -> Message:
    """Who mentioned the reader and where; not what they wrote (the comment is read where its audience is kept)."""
    return Message(kind=kinds.MENTIONED, subject=f"Mentioned: {instance.title}",
                   body=f"{by.display_name} mentioned you in the discussion of the project “{instance.title}”.",
                   link=f"/projects/{instance.id}#comment-{comment_id}", instance_id=instance.id)
