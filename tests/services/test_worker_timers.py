"""The worker fires timers on time: it sleeps until the next one falls due, is woken when a change commits a new
one, and stops cleanly when told to. These run on the real clock, as a worker does: short real waits."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.clock import Clock
from engine.identity import accounts
from engine.runtime import instances, timers
from engine.store.db import Database
from engine.store.models import AuditEvent, ProcessInstance, Task, User
from engine.tasks import completion
from tests.api.test_cli_run import handles_sigterm
from tests.conftest import FIXTURES, deployed

TIMED = FIXTURES / "timed"  # a timer between two tasks, its duration the first task's answer (wait_ms)


@pytest.fixture
def timed(db, clock):
    return deployed(db, clock, TIMED, TIMED)


def start_waiting(db, user_id: int, wait_ms: int) -> int:
    """A project whose timer falls due `wait_ms` from now (on the real clock)."""
    now = Clock()
    project = db.writing(lambda s: instances.start_instance(s, user=s.get(User, user_id), process_key="timed",
                                                            clock=now).id)
    with db.reading() as session:
        task = session.scalars(select(Task).where(Task.instance_id == project, Task.state == "ready")).one()
    db.writing(lambda s: completion.complete_task(s, user=s.get(User, user_id), task_id=task.id,
                                                  data={"wait_ms": wait_ms}, clock=now))
    return project


def test_a_sleeping_worker_is_woken_by_a_new_timer_and_fires_it_within_a_second_of_being_due(db, clock, timed):
    sponsor = db.writing(lambda s: accounts.add_user(s, username="sam", roles=["sponsor"], actor="test",
                                                     clock=clock).id)
    stop = threading.Event()
    worker = threading.Thread(target=timers.run_worker, args=(db,),
                              kwargs={"clock": Clock(), "once": False, "interval": 30.0, "stop": stop})
    worker.start()
    try:
        time.sleep(0.3)  # nothing is due: the worker sleeps for up to 30 s
        project = start_waiting(db, sponsor, 1500)
        with db.reading() as session:
            due = session.get(ProcessInstance, project).next_timer_at
        deadline = time.monotonic() + 5
        fired = None
        while fired is None and time.monotonic() < deadline:
            time.sleep(0.05)
            with db.reading() as session:
                fired = session.scalar(select(AuditEvent.at).where(AuditEvent.instance_id == project,
                                                                   AuditEvent.kind == "timer_fired"))
    finally:
        stop.set()
        worker.join(5)
    assert fired is not None, "the timer did not fire"
    assert 0 <= (fired - due).total_seconds() < 1.0


def test_sigterm_stops_a_sleeping_worker_at_once_and_cleanly(db, tmp_path):
    env = {**os.environ, "DATABASE_URL": db.url}
    worker = subprocess.Popen([str(Path(sys.executable).parent / "sixgates"), "worker"], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not handles_sigterm(worker.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # its first round done, asleep (for up to a minute)
        asked = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0 and "fired timers on 0 instance(s)" in out
    assert time.monotonic() - asked < 2.0


def test_two_workers_at_once_fire_each_timer_once(db, clock, timed):
    sponsor = db.writing(lambda s: accounts.add_user(s, username="sam", roles=["sponsor"], actor="test",
                                                     clock=clock).id)
    projects = [start_waiting(db, sponsor, wait_ms) for wait_ms in (300, 600, 600, 900, 1200, 1200)]
    stop = threading.Event()
    databases = [Database(db.url), Database(db.url)]
    workers = [threading.Thread(target=timers.run_worker, args=(d,),
                                kwargs={"clock": Clock(), "once": False, "interval": 30.0, "stop": stop})
               for d in databases]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(_fired(db, projects)) < len(projects):
            time.sleep(0.1)
        time.sleep(0.5)  # time enough for a second firing, were there to be one
    finally:
        stop.set()
        for worker in workers:
            worker.join(5)
        for database in databases:
            database.dispose()
    assert sorted(_fired(db, projects)) == sorted(projects)  # each fired, once
    with db.reading() as session:
        after = list(session.scalars(select(Task.instance_id).where(Task.bpmn_id == "after_wait")))
    assert sorted(after) == sorted(projects)


def _fired(db, projects: list[int]) -> list[int]:
    with db.reading() as session:
        return list(session.scalars(select(AuditEvent.instance_id).where(
            AuditEvent.instance_id.in_(projects), AuditEvent.kind == "timer_fired")))
