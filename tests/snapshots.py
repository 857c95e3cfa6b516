"""Set-up done once per test session: a fixture that deploys the procedure, seeds the demo people or
walks a project does it for real the first time, keeps a copy of the database it left, and restores
that copy for every later test that starts from the same rows at the same clock time.

"The same rows" is checked, not assumed: a fingerprint of every row (and of the id counters) is taken
before the set-up, so a test whose own fixtures wrote something first gets the real set-up instead.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, TypeVar

from sqlalchemy import select, text

from engine.clock import FixedClock
from engine.store.db import Database
from engine.store.models import Base

T = TypeVar("T")


@dataclass(frozen=True)
class _Snapshot:
    saved: Path | tuple           # SQLite: a copy of the file; PostgreSQL: (rows by table, sequence values)
    result: object                # what the set-up returned (plain data only)
    clock_after: datetime
    fingerprint_after: str


_snapshots: dict[tuple[str, str, datetime], _Snapshot] = {}
_folder: Path | None = None
_numbers = itertools.count()


def once(name: str, db: Database, clock: FixedClock, build: Callable[[], T]) -> T:
    """build()'s result: run it, or restore the database and clock it left when it already ran on the
    same rows at the same time in this session. build must return plain data (ids, not ORM objects)."""
    key = (name, fingerprint(db), clock.now())
    snapshot = _snapshots.get(key)
    if snapshot is not None:
        _restore(db, snapshot.saved)
        clock.set(snapshot.clock_after)
        assert fingerprint(db) == snapshot.fingerprint_after, f"the {name} snapshot did not restore"
        return copy.deepcopy(snapshot.result)  # each test its own: no test sees another's changes to it
    result = build()
    _snapshots[key] = _Snapshot(_save(db), copy.deepcopy(result), clock.now(), fingerprint(db))
    return result


def fingerprint(db: Database) -> str:
    """A digest of every row of every table and of the id counters: equal digests, equal databases."""
    if not db.is_sqlite:
        with db.engine.connect() as conn:  # one round trip: the server digests each table
            return hashlib.sha256(repr(sorted(conn.execute(text(_POSTGRES_DIGESTS)))).encode()).hexdigest()
    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            digest.update(table.name.encode())
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
        digest.update(repr(_counters(conn, db)).encode())
    return digest.hexdigest()


def _postgres_digests() -> str:
    tables = [f"SELECT '{t.name}', md5(coalesce(string_agg(r::text, E'\\n' ORDER BY "
              f"{', '.join('r.' + c.name for c in t.primary_key.columns)}), '')) FROM {t.name} r"
              for t in Base.metadata.sorted_tables]
    counters = ("SELECT 'counters', string_agg(sequencename || '=' || coalesce(last_value::text, '-'), ',' "
                "ORDER BY sequencename) FROM pg_sequences")
    return " UNION ALL ".join(tables + [counters])


_POSTGRES_DIGESTS = _postgres_digests()


def _counters(conn, db: Database) -> list:
    if db.is_sqlite:
        exists = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").first()
        return list(conn.exec_driver_sql("SELECT name, seq FROM sqlite_sequence ORDER BY name")) if exists else []
    return list(conn.execute(text("SELECT sequencename, last_value FROM pg_sequences ORDER BY sequencename")))


def _save(db: Database) -> Path | tuple:
    if db.is_sqlite:
        global _folder
        _folder = _folder or Path(tempfile.mkdtemp(prefix="sixgates-snapshots-"))
        saved = _folder / f"{next(_numbers)}.db"
        _sqlite_copy(_sqlite_path(db), saved)
        return saved
    with db.engine.connect() as conn:
        rows = {table.name: [dict(row._mapping) for row in conn.execute(select(table))]
                for table in Base.metadata.sorted_tables}
        return rows, _counters(conn, db)


def _restore(db: Database, saved: Path | tuple) -> None:
    if db.is_sqlite:
        # Page by page into the same file, so connections the test's app already holds see the rows.
        _sqlite_copy(saved, _sqlite_path(db))
        return
    rows, counters = saved
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):  # a few rows each: quicker than TRUNCATE
            conn.execute(table.delete())
        for table in Base.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
        for name, value in counters:
            conn.execute(text("SELECT setval(:name, :value, :called)"),
                         {"name": name, "value": value or 1, "called": value is not None})


def _sqlite_path(db: Database) -> Path:
    return Path(db.engine.url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
