"""Timers on time: a real `sixgates worker` with its defaults, against a fresh database, fires timers that fall due
at random moments; and the e-mail each fired timer causes (its next task is ready) reaches an SMTP server.

Figures: timer lateness (the timer_fired event's time minus the time the timer was due) at p50, p95 and max; and
the time from a task becoming ready to its e-mail being accepted by the SMTP server (aiosmtpd on a loopback port).

Run: .venv/bin/python bench/timers.py [--projects 40] [--spread 30]. SQLite in a temporary folder unless
DATABASE_URL names a PostgreSQL database (used as it is: the bench adds its own user and projects).
Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.clock import Clock  # noqa: E402
from engine.identity import accounts  # noqa: E402
from engine.repository import deployments  # noqa: E402
from engine.runtime import instances  # noqa: E402
from engine.store import schema  # noqa: E402
from engine.store.db import Database  # noqa: E402
from engine.store.models import AuditEvent, Notification, ProcessInstance, Task, User  # noqa: E402
from engine.tasks import completion  # noqa: E402

TIMED = ROOT / "tests" / "fixtures" / "timed"  # a timer between two tasks; the first task answers its duration


class Arrivals:
    """An aiosmtpd handler noting when each message (by Message-ID) was accepted."""

    def __init__(self):
        self.at: dict[str, datetime] = {}

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.at[message["Message-ID"]] = datetime.now(timezone.utc)
        await asyncio.sleep(0)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def set_up(url: str) -> tuple[Database, int]:
    db = Database(url)
    schema.upgrade(db)
    bpmn, dmn, forms = deployments.read_directory(TIMED, TIMED)
    db.writing(lambda s: deployments.deploy_process(s, bpmn=bpmn, dmn=dmn, forms=forms, actor="bench", clock=Clock()))
    name = f"bench.{secrets.token_hex(3)}"
    user_id = db.writing(lambda s: accounts.add_user(s, username=name, roles=["sponsor"], email=f"{name}@example.org",
                                                     actor="bench", clock=Clock()).id)
    return db, user_id


def start_worker(url: str, smtp_port: int, folder: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, SIXGATES_SMTP_HOST="127.0.0.1", SIXGATES_SMTP_PORT=str(smtp_port),
               SIXGATES_SMTP_FROM="bench@example.org")
    return subprocess.Popen([str(Path(sys.executable).parent / "sixgates"), "worker"], env=env, cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_waiting(db: Database, user_id: int, wait_ms: int) -> tuple[int, datetime]:
    """A project whose timer falls due `wait_ms` from now: its id and when the timer is due."""
    clock = Clock()
    project = db.writing(lambda s: instances.start_instance(s, user=s.get(User, user_id), process_key="timed",
                                                            clock=clock).id)
    with db.reading() as session:
        task = session.scalars(select(Task).where(Task.instance_id == project, Task.state == "ready")).one()
    db.writing(lambda s: completion.complete_task(s, user=s.get(User, user_id), task_id=task.id,
                                                  data={"wait_ms": wait_ms}, clock=clock))
    with db.reading() as session:
        return project, session.get(ProcessInstance, project).next_timer_at


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def percentiles(label: str, seconds: list[float]) -> str:
    if not seconds:
        return f"{label}: no samples"
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"{label} ({len(ordered)}): p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=40)
    parser.add_argument("--spread", type=float, default=30.0, help="Timers fall due over this many seconds.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = os.environ.get("DATABASE_URL", "")
        url = url if url.startswith("postgresql") else f"sqlite:///{folder / 'bench.db'}"
        db, user_id = set_up(url)
        arrivals = Arrivals()
        smtp = Controller(arrivals, hostname="127.0.0.1", port=free_port())
        smtp.start()
        worker = start_worker(url, smtp.port, folder)
        try:
            time.sleep(2)  # the worker has started and sleeps: nothing is due yet
            began = datetime.now(timezone.utc)
            due = {}
            for _ in range(args.projects):  # each timer due at a random moment, counted from the bench's start
                offset = random.uniform(1.0, args.spread)
                left = offset - (datetime.now(timezone.utc) - began).total_seconds()
                project, due[project] = start_waiting(db, user_id, max(int(left * 1000), 200))
            fired = lambda: _fired(db, list(due))  # noqa: E731
            wait_for(lambda: len(fired()) == len(due), args.spread + 30)
            fired_at = fired()
            wait_for(lambda: len(arrivals.at) >= len(fired_at), 30)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
            smtp.stop()
        lateness = [(fired_at[p] - due[p]).total_seconds() for p in due if p in fired_at]
        with db.reading() as session:
            made = dict(session.execute(select(Notification.id, Notification.created_at).where(
                Notification.instance_id.in_(list(due)), Notification.kind == "task_ready")).all())
        domain = "example.org"
        to_email = [(arrivals.at[f"<sixgates.notification.{n}@{domain}>"] - made[n]).total_seconds()
                    for n in made if f"<sixgates.notification.{n}@{domain}>" in arrivals.at]
        kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{kind}, `sixgates worker` defaults, {len(due)} timers due at random over {args.spread:.0f} s; "
              f"{len(fired_at)} fired, {len(to_email)} e-mails accepted")
        print(percentiles("timer lateness (fired - due)", lateness))
        print(percentiles("task ready -> e-mail accepted by SMTP", to_email))
        db.dispose()


def _fired(db: Database, projects: list[int]) -> dict[int, datetime]:
    with db.reading() as session:
        return dict(session.execute(select(AuditEvent.instance_id, func.min(AuditEvent.at)).where(
            AuditEvent.instance_id.in_(projects), AuditEvent.kind == "timer_fired")
            .group_by(AuditEvent.instance_id)).all())


if __name__ == "__main__":
    main()
