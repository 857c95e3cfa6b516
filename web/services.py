"""How views reach the engine: the database, the clock and the unit of work of this app."""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import current_app
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.store.db import Database

T = TypeVar("T")


def database() -> Database:
    return current_app.extensions["sixgates_db"]


def clock() -> Clock:
    return current_app.config["CLOCK"]


def write(work: Callable[[Session], T]) -> T:
    return database().writing(work)


def read(work: Callable[[Session], T]) -> T:
    with database().reading() as session:
        return work(session)
