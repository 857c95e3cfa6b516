"""The worker: firing due timers (EoI deadlines, review dates, KPI returns), sending due reminders and e-mailing
the outbox, then sleeping until the next of these falls due. Several workers may run at once: each claims an
instance (or a message, or a reminder) in the database before acting on it.

A worker is woken early when new timed work is committed: on PostgreSQL by a NOTIFY on the work channel (see
engine.store.db.wake_workers), on SQLite by a look a few times a second at whether another connection committed
(PRAGMA data_version), re-reading the next due time only when one did."""
from __future__ import annotations

import logging
import signal
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Iterator

from sqlalchemy import func, or_, select, update

from engine.clock import Clock
from engine.errors import ProcessFailed
from engine.notices.alerts import next_alert_at, send_due_alerts
from engine.notices.delivery import SmtpSettings, deliver_due, next_delivery_at
from engine.notices.kinds import DEFAULT_DUE_SOON_LEAD
from engine.runtime.instances import due_instances, fire_timers
from engine.store.db import WORK_CHANNEL, Database
from engine.store.models import ProcessInstance

LEASE = timedelta(minutes=2)
DEFAULT_INTERVAL = 60.0  # seconds: the longest a worker sleeps without looking (a safety net, not the schedule)
SQLITE_POLL = 0.2  # seconds between looks at the next due time where no notification wakes the worker
LISTEN_SAFETY_LOOK = 5.0  # seconds: a listening worker still looks now and then, should a change not announce itself
STOP_CHECK = 0.5  # seconds: the longest a sleeping worker takes to notice it was asked to stop
ERROR_PAUSE = 5.0  # seconds before a worker tries again after a round failed
IDLE_RETRY = 1.0  # seconds: work that is due but could not be done (claimed elsewhere, failing) is tried again
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


def next_timer_at(session) -> datetime | None:
    """When the next timer of a running project falls due (a claimed one: when its claim runs out)."""
    running = ProcessInstance.status == "running"
    free = or_(ProcessInstance.timer_lease_until.is_(None),
               ProcessInstance.timer_lease_until <= ProcessInstance.next_timer_at)
    due = session.scalar(select(func.min(ProcessInstance.next_timer_at)).where(running, free))
    claimed = session.scalar(select(func.min(ProcessInstance.timer_lease_until)).where(
        running, ProcessInstance.next_timer_at.is_not(None),
        ProcessInstance.timer_lease_until > ProcessInstance.next_timer_at))
    return min((t for t in (due, claimed) if t is not None), default=None)


def next_work_at(db: Database, *, lead: timedelta) -> datetime | None:
    """The earliest of the next timer, reminder and e-mail."""
    with db.reading() as session:
        times = (next_timer_at(session), next_alert_at(session, lead), next_delivery_at(session))
    return min((t for t in times if t is not None), default=None)


def run_round(db: Database, *, clock: Clock, smtp: SmtpSettings | None, lead: timedelta,
              carry_on: bool = False) -> tuple[int, int, int]:
    """One round of work: (instances whose timers fired, reminders sent, e-mails accepted). With `carry_on`, a
    kind of work that fails is logged and the others still run (raising RoundFailed at the end)."""
    kinds_of_work = (("firing timers", lambda: fire_due(db, clock=clock)),
                     ("sending reminders", lambda: send_due_alerts(db, clock=clock, lead=lead)),
                     ("e-mailing notifications", lambda: deliver_due(db, smtp=smtp, clock=clock)))
    done, failed = [], False
    for name, work in kinds_of_work:
        if not carry_on:
            done.append(work())
            continue
        try:
            done.append(work())
        except Exception:  # the database away for a moment, or a bug in one kind of work: the others go on
            log.exception("%s failed; trying again in %.0f s", name, ERROR_PAUSE)
            done.append(0)
            failed = True
    if failed:
        raise RoundFailed(*done)
    return done[0], done[1], done[2]


class RoundFailed(Exception):
    """Some kind of work failed in a round that carried on; args: what the round did all the same."""


def run_worker(db: Database, *, clock: Clock, once: bool, interval: float = DEFAULT_INTERVAL,
               smtp: SmtpSettings | None = None, lead: timedelta = DEFAULT_DUE_SOON_LEAD,
               stop: threading.Event | None = None) -> int:
    """Work rounds until stopped (SIGTERM or SIGINT, or `stop` set), or one round with `once`; returns how many
    instances' timers fired. Between rounds the worker sleeps until the next work falls due, at most `interval`
    seconds, and wakes early when new timed work is committed."""
    stop = stop or threading.Event()
    total = 0
    if once:
        return run_round(db, clock=clock, smtp=smtp, lead=lead)[0]
    with _stopped_by_signals(stop), _wake_up_call(db) as waker:
        while not stop.is_set():
            try:
                fired, alerted, sent = run_round(db, clock=clock, smtp=smtp, lead=lead, carry_on=True)
            except RoundFailed as failed:
                total += failed.args[0]
                stop.wait(ERROR_PAUSE)
                continue
            total += fired
            if fired or alerted or sent:
                log.info("fired timers on %d instance(s), sent %d reminder(s), %d e-mail(s)", fired, alerted, sent)
            try:
                _sleep_until_work(db, clock=clock, lead=lead, interval=interval, waker=waker, stop=stop,
                                  busy=bool(fired or alerted or sent))
            except Exception:  # the database away for a moment: look again shortly
                log.exception("looking for the next work failed; trying again in %.0f s", ERROR_PAUSE)
                stop.wait(ERROR_PAUSE)
    return total


def _sleep_until_work(db: Database, *, clock: Clock, lead: timedelta, interval: float, waker, stop: threading.Event,
                      busy: bool) -> None:
    """Sleep until the next work is due, `interval` has passed, new work is committed, or the worker must stop."""
    started = clock.now()
    latest = started + timedelta(seconds=interval)
    due = next_work_at(db, lead=lead)
    stuck = due if due is not None and due <= started and not busy else None
    if stuck is not None:
        # Due, yet the round just done could not do it (another worker has it, or it fails): no busy loop.
        due = started + timedelta(seconds=IDLE_RETRY)
    until = latest if due is None else min(due, latest)
    looked = time.monotonic()
    while not stop.is_set():
        left = (until - clock.now()).total_seconds()
        if left <= 0:
            return
        if isinstance(waker, _Listener):
            if waker.wait(min(left, STOP_CHECK)):
                return  # new work was committed: a round does it, or learns when it falls due
            if time.monotonic() - looked < LISTEN_SAFETY_LOOK:
                continue
        else:
            time.sleep(min(left, SQLITE_POLL))
            if waker is not None and not waker.changed():
                continue  # nothing committed since the last look: the next due time is as it was
        looked = time.monotonic()
        due = next_work_at(db, lead=lead)
        if due is not None and due != stuck:
            until = min(until, due)


class _Listener:
    """A dedicated autocommit PostgreSQL connection LISTENing on the work channel, made again if it is lost."""

    def __init__(self, url: str):
        self.url = url
        self.connection = None

    def wait(self, seconds: float) -> bool:
        """True if work was announced within `seconds` (or the connection was lost: a round looks for itself)."""
        import psycopg
        try:
            if self.connection is None or self.connection.closed:
                self.connection = psycopg.connect(self.url, autocommit=True)
                self.connection.execute(f"LISTEN {WORK_CHANNEL}")
                return True  # announcements made while not listening were missed
            return any(True for _ in self.connection.notifies(timeout=max(seconds, 0.0), stop_after=1))
        except psycopg.OperationalError as exc:
            log.warning("listening for new work failed (%s); trying again", exc)
            self.close()
            time.sleep(min(seconds, STOP_CHECK))
            return False

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class _Commits:
    """SQLite's count of commits made by other connections (PRAGMA data_version), read on one kept connection
    outside any transaction: a look at the next due time is needed only when it moved."""

    def __init__(self, db: Database):
        self.connection = db.engine.raw_connection()
        self.seen = self._version()

    def _version(self) -> int:
        cursor = self.connection.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            return cursor.fetchone()[0]
        finally:
            cursor.close()

    def changed(self) -> bool:
        version = self._version()
        changed, self.seen = version != self.seen, version
        return changed

    def close(self) -> None:
        self.connection.close()


@contextmanager
def _wake_up_call(db: Database) -> Iterator[_Listener | _Commits | None]:
    if db.is_sqlite:
        commits = _Commits(db)
        try:
            yield commits
        finally:
            commits.close()
        return
    if db.engine.dialect.name != "postgresql":
        yield None
        return
    listener = _Listener(db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
    listener.wait(0)  # listening before the first round, so nothing committed during it is missed
    try:
        yield listener
    finally:
        listener.close()


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT end the worker after the round it is in (only the main thread may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGTERM, signal.SIGINT)
    before = {s: signal.getsignal(s) for s in signals}
    for s in signals:
        signal.signal(s, lambda *_: stop.set())
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
