"""Verification of finished six-gates projects: hash chains and re-runs from the start.

Walks N projects through every gate to their close (KPI returns fired by the timer worker),
then times the verification the auditors run (`sixgates audit verify`, the /audit/verify page).

Run: .venv/bin/python bench/audit.py [--projects 1000]. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo import seed  # noqa: E402
from demo.walker import Walker  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.history import verification  # noqa: E402
from engine.identity import accounts  # noqa: E402
from engine.repository import deployments  # noqa: E402
from engine.runtime.timers import fire_due  # noqa: E402
from engine.store import schema  # noqa: E402
from engine.store.db import Database  # noqa: E402
from engine.store.models import AuditEvent, ProcessInstance, User  # noqa: E402


def set_up(folder: Path) -> tuple[Database, FixedClock, Walker]:
    db = Database(f"sqlite:///{folder / 'audit-bench.db'}")
    schema.upgrade(db)
    clock = FixedClock(datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
    bpmn, dmn, forms = deployments.read_directory(ROOT / "processes", ROOT / "forms")
    db.writing(lambda s: deployments.deploy_process(s, bpmn=bpmn, dmn=dmn, forms=forms, actor="bench", clock=clock))
    for username, _name, roles, org in seed.DEMO_USERS:
        db.writing(lambda s, u=username, r=roles, o=org: accounts.add_user(
            s, username=u, roles=r, organisation=o, actor="bench", clock=clock))
    return db, clock, Walker(db, clock)


def finish_projects(db: Database, clock: FixedClock, walker: Walker, count: int, batch: int = 50) -> None:
    """Start projects in batches and walk each batch to its close, firing KPI timers as they fall due."""
    done = 0
    while done < count:
        # The call for partners must close after today, and the bench's clock moves on by months.
        deadline = (clock.now() + timedelta(days=60)).date().isoformat()
        plan = seed.happy_path("Audit bench project", "Pathway Delays", deadline=deadline)
        ids = [walker.start() for _ in range(min(batch, count - done))]
        for project in ids:
            walker.walk(project, plan)
        while True:
            with db.reading() as s:
                running = s.scalar(select(func.count()).where(ProcessInstance.status == "running"))
            if not running:
                break
            clock.advance(days=31)
            fire_due(db, clock=clock)
            for project in ids:
                walker.walk(project, plan)
        done += len(ids)
        print(f"  {done} projects finished", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db, clock, walker = set_up(Path(folder))
        started = time.perf_counter()
        finish_projects(db, clock, walker, args.projects)
        print(f"set-up: {args.projects} finished projects in {time.perf_counter() - started:.0f} s")
        with db.reading() as s:
            events = s.scalar(select(func.count()).select_from(AuditEvent))
            auditor = s.scalars(select(User).where(User.username == "aud.auditor")).one()
            for rerun in (False, True):
                started = time.perf_counter()
                report = verification.verify(s, user=auditor, rerun=rerun)
                took = time.perf_counter() - started
                what = "hash chains + re-runs" if rerun else "hash chains only"
                print(f"verify ({what}): {report.instances} projects, {events} events, "
                      f"{len(report.problems)} problems in {took:.1f} s "
                      f"({1000 * took / max(report.instances, 1):.1f} ms per project)")


if __name__ == "__main__":
    main()
