"""Walk instances through the procedure as the right people would, with generated answers.

Used by the demo data, the benchmarks and the tests: every step goes through the real
service functions (policy, validation, persistence, audit), nothing is shortcut.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select

from demo.answers import sample_answers
from demo.dates import resolve_dates
from demo.documents import Files, attach
from engine import policy
from engine.clock import Clock
from engine.runtime import instances
from engine.store.db import Database
from engine.store.models import Task, User
from engine.tasks import completion, queries

# Per task (BPMN id): answers to use instead of generated ones, fixed or computed from the
# instance's data and the acting user.
Answers = dict | Callable[[dict, User], dict]


class Walker:
    def __init__(self, db: Database, clock: Clock, *, prefer: tuple[str, ...] = (),
                 pace: timedelta | None = None, until: datetime | None = None):
        """`prefer`: usernames tried first for each task; `pace`: how far a FixedClock moves after each
        task, never past `until` (so a demo project's steps are spread over its weeks)."""
        self.db = db
        self.clock = clock
        self.pace, self.until = pace, until
        with db.reading() as session:
            users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
            self.users = sorted(users, key=lambda u: u.username not in prefer)  # stable: otherwise by username

    def actor_for(self, task: Task) -> User:
        for user in self.users:
            if policy.may_act_on(user, task) is None and policy.may_see_task(user, task):
                return user
        raise LookupError(f"no user may do {task.bpmn_id} (role {task.role})")

    def open_tasks(self, instance_id: int) -> list[Task]:
        with self.db.reading() as session:
            return list(session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "ready")
                                        .order_by(Task.created_at, Task.id)))

    def start(self, process_key: str = "six_gates") -> int:
        starter = next(u for u in self.users if policy.may_propose_challenge(u))
        return self.db.writing(lambda s: instances.start_instance(
            s, user=s.get(User, starter.id), process_key=process_key, clock=self.clock).id)

    def complete(self, task: Task, answers: Answers | None = None, files: Files | None = None) -> None:
        """`files`: documents to upload to the task's file fields first, as the actor, and complete it with."""
        user = self.actor_for(task)
        today = self.clock.now().date()

        def work(session):
            me = session.get(User, user.id)
            detail = queries.get_task(session, user=me, task_id=task.id)
            given = answers(detail.context, me) if callable(answers) else answers
            chosen = files(detail.context, me) if callable(files) else files
            given = {**(resolve_dates(given, today) or {}),
                     **attach(session, user=me, task_id=task.id, files=chosen or {}, clock=self.clock)}
            data = sample_answers(detail.form or {}, given, today=today, context=detail.context)
            completion.complete_task(session, user=me, task_id=task.id, data=data, clock=self.clock)
        self.db.writing(work)
        self._move_on()

    def _move_on(self) -> None:
        if self.pace is None or not hasattr(self.clock, "advance"):
            return
        room = (self.until - self.clock.now()) if self.until else self.pace
        if room > timedelta(0):
            self.clock.advance(seconds=min(self.pace, room).total_seconds())

    def walk(self, instance_id: int, plan: dict[str, Answers], *, stop_at: str | None = None,
             max_steps: int = 500, files: dict[str, Files] | None = None) -> list[str]:
        """Complete open tasks until none is left or `stop_at` (a BPMN id) is ready; `files` per BPMN id as in
        complete().

        Returns the BPMN ids completed, in order.
        """
        done: list[str] = []
        for _ in range(max_steps):
            open_tasks = self.open_tasks(instance_id)
            if not open_tasks or any(t.bpmn_id == stop_at for t in open_tasks):
                return done
            task = open_tasks[0]
            self.complete(task, plan.get(task.bpmn_id), (files or {}).get(task.bpmn_id))
            done.append(task.bpmn_id)
        raise RuntimeError(f"instance {instance_id} did not settle within {max_steps} steps")
