"""Handing an open task to another person (reassigned by the Hub team, or passed to an absent person's
delegate): the task row, the event on the project's trail that the verifier re-runs, and the new holder told."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.notices import messages
from engine.notices.outbox import send
from engine.store.models import ProcessInstance, Task, User
from engine.store.trail import record_event


def hand_over(session: Session, instance: ProcessInstance, task: Task, to: User, *, actor: str, reason: str,
              now: datetime, by: User | None = None, delegated: bool = False) -> None:
    """Bind the task to `to` alone (the caller has checked policy lets them do it). A claim and a draft are the
    previous holder's, so they go."""
    before = task.claimed_by or task.assignee
    task.assignee, task.claimed_by, task.draft_json = to.username, None, None
    data = {"from": before, "to": to.username, "reason": reason}
    record_event(session, instance=instance, at=now, actor=actor, kind="task_reassigned", task_id=task.id,
                 task_name=task.bpmn_id, data={**data, "delegated": True} if delegated else data)
    send(session, [to], messages.reassigned(task, instance, by=by, reason=reason), now=now)
