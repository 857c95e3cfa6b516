"""Firing due timers (EoI deadlines, review dates, KPI returns). Several workers may run at
once: each claims an instance with a short lease before firing its timers."""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy import or_, update

from engine.clock import Clock
from engine.errors import ProcessFailed
from engine.runtime.instances import due_instances, fire_timers
from engine.store.db import Database
from engine.store.models import ProcessInstance

LEASE = timedelta(minutes=2)
log = logging.getLogger(__name__)


def fire_due(db: Database, *, clock: Clock) -> int:
    """Fire every timer due now; returns how many instances moved.

    An instance whose diagram fails is left as it was (its lease expires and it is tried
    again later) and logged; the others still fire.
    """
    now = clock.now()
    with db.reading() as session:
        candidates = due_instances(session, now=now)
    fired = 0
    for instance_id in candidates:
        if not _claim(db, instance_id, clock):
            continue  # another worker has it
        try:
            if db.writing(lambda s, i=instance_id: fire_timers(s, instance_id=i, clock=clock)):
                fired += 1
        except ProcessFailed as exc:
            log.error("%s", exc.message)
    return fired


def _claim(db: Database, instance_id: int, clock: Clock) -> bool:
    now = clock.now()

    def work(session) -> bool:
        result = session.execute(
            update(ProcessInstance)
            .where(ProcessInstance.id == instance_id,
                   or_(ProcessInstance.timer_lease_until.is_(None), ProcessInstance.timer_lease_until < now))
            .values(timer_lease_until=now + LEASE)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1
    return db.writing(work)


def run_worker(db: Database, *, clock: Clock, once: bool, interval: float) -> int:
    total = 0
    while True:
        total += fire_due(db, clock=clock)
        if once:
            return total
        time.sleep(interval)
