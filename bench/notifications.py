"""What notifications cost a task's completion: the same projects walked through the service layer with the
notifications written (every demo user has an e-mail address, so each notice goes to the outbox) and with the
follow-up that writes them switched off, in alternating rounds.

Run: .venv/bin/python bench/notifications.py [--projects N] [--rounds R]. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import service_throughput, set_up  # noqa: E402
from engine.clock import Clock  # noqa: E402
from engine.identity import accounts  # noqa: E402
from engine.runtime import instances, migration  # noqa: E402
from engine.store.models import Notification, User  # noqa: E402
from engine.tasks import completion  # noqa: E402

SERVICES = (instances, completion, migration)  # each calls after_change once its workflow is saved
FOLLOW_UP = {module: module.after_change for module in SERVICES}


def notifications(on: bool) -> None:
    for module in SERVICES:
        module.after_change = FOLLOW_UP[module] if on else (lambda *args, **kwargs: None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db, walker = set_up(Path(folder))
        with db.reading() as s:
            names = list(s.scalars(select(User.username)))
        for name in names:
            db.writing(lambda s, n=name: accounts.set_email(
                s, n, email=f"{n}@example.org", actor=accounts.require_user(s, n), clock=Clock()))
        service_throughput(db, walker, 1)  # warm up: compiled diagram, forms, sandbox
        per_task = {True: [], False: []}
        for _ in range(args.rounds):
            for on in (False, True):
                notifications(on)
                seconds, tasks, _ids = service_throughput(db, walker, args.projects)
                per_task[on].append(seconds / tasks)
        notifications(True)
        with db.reading() as s:
            written = s.scalar(select(func.count()).select_from(Notification))
        off, on = statistics.median(per_task[False]), statistics.median(per_task[True])
        print(f"one task through the service layer (median of {args.rounds} rounds of {args.projects} projects):")
        print(f"  notifications off: {off * 1000:.1f} ms   on: {on * 1000:.1f} ms   "
              f"difference: {(on / off - 1) * 100:+.1f}%   ({written} notifications written)")
        db.dispose()


if __name__ == "__main__":
    main()
