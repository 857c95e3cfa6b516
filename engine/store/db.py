"""Database connections and the unit of work: the one place a transaction is committed."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import Conflict

T = TypeVar("T")
OPTIMISTIC_RETRIES = 5
AFTER_COMMIT = "after_commit"  # session.info key: callables to run once the transaction committed
DATABASE = "database"  # session.info key: the Database the session works on
AT_END = "at_end"  # session.info key: writes that end the unit of work (see write_at_end)
WOKEN = "woken"  # session.info key: this transaction already tells the workers
WORK_CHANNEL = "sixgates_work"  # PostgreSQL LISTEN/NOTIFY channel of sleeping workers


def after_commit(session: Session, hook: Callable[[], None]) -> None:
    """Run `hook` only if and when this session's transaction commits."""
    session.info.setdefault(AFTER_COMMIT, []).append(hook)


def write_at_end(session: Session, write: Callable[[Session], None]) -> None:
    """Make `write` the last thing this unit of work does (the record of a read, once the read succeeded)."""
    session.info.setdefault(AT_END, []).append(write)


def wake_workers(session: Session) -> None:
    """Tell sleeping workers, once this transaction commits, that it added timed work or messages to send.

    On PostgreSQL a NOTIFY (delivered at commit, dropped on rollback) wakes a LISTENing worker at once; SQLite
    has no such signal, so its workers poll briefly instead.
    """
    if session.info.get(WOKEN) or session.bind.dialect.name != "postgresql":
        return
    session.info[WOKEN] = True
    session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": WORK_CHANNEL})


class Database:
    """Session factories for one database URL.

    On SQLite, writing transactions start with BEGIN IMMEDIATE so that concurrent writers
    queue on the lock instead of failing when they upgrade from reading.
    """

    def __init__(self, url: str):
        self.url = url
        self._caches: dict[str, object] = {}
        self._caches_lock = threading.Lock()
        self.is_sqlite = url.startswith("sqlite")
        self.engine = _make_engine(url, immediate=False)
        self.write_engine = _make_engine(url, immediate=True) if self.is_sqlite else self.engine
        self._reader = sessionmaker(self.engine, expire_on_commit=False, info={DATABASE: self})
        self._writer = sessionmaker(self.write_engine, expire_on_commit=False, info={DATABASE: self})

    def cache(self, name: str, make: Callable[[], T]) -> T:
        """What another layer keeps in memory for this database, made on first use: it lives and dies with
        this object, not with the Python process."""
        with self._caches_lock:
            if name not in self._caches:
                self._caches[name] = make()
            return self._caches[name]

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    def writing(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction; commit all of it or nothing.

        A stale instance version (someone else changed the same instance first) or a
        unique key taken meanwhile is retried on fresh data, so people working on different tasks of one instance all
        succeed; work that is no longer possible raises its own Conflict on the retry.
        """
        for _ in range(OPTIMISTIC_RETRIES):
            try:
                return self._once(work, self._writer)
            except (StaleDataError, IntegrityError):
                # A stale version, or a unique key someone else took first (two deployments numbering
                # the same version): the work runs again on fresh data and decides anew.
                continue
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
        raise Conflict("This record was changed by someone else at the same moment; try again.")

    def reading_then_writing(self, work: Callable[[Session], T]) -> T:
        """For work that reads, then writes only at its end (write_at_end): a view of personal data put on the
        record for the people whose views are recorded. On SQLite the database lock is taken at that write, not
        at the start, so such reads neither wait for writers nor hold them up. If another change committed while
        the work read, its snapshot can no longer write: the writes at its end, and only they, are made again in
        a short transaction of their own (the read was consistent, and a read that failed writes nothing)."""
        if not self.is_sqlite:
            return self.writing(work)
        writes = None
        with self._reader() as session:
            try:
                with session.begin():
                    result = work(session)
                    writes = session.info.pop(AT_END, [])
                    for write in writes:
                        write(session)
            except OperationalError as exc:
                if writes is None or "locked" not in str(exc):
                    raise
                self.writing(lambda s: [write(s) for write in writes])
            for hook in session.info.pop(AFTER_COMMIT, []):
                hook()
        return result

    @staticmethod
    def _once(work: Callable[[Session], T], sessions: sessionmaker) -> T:
        with sessions() as session:
            with session.begin():
                result = work(session)
                for write in session.info.pop(AT_END, []):
                    write(session)
            for hook in session.info.pop(AFTER_COMMIT, []):
                hook()
            return result

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def _make_engine(url: str, *, immediate: bool) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
