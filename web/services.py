"""How views reach the engine: the database, the clock and the unit of work of this app."""
from __future__ import annotations

from typing import Callable, TypeVar
from urllib.parse import urlparse

from flask import current_app, g
from flask_login import current_user
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.store.db import Database
from engine.store.models import User

T = TypeVar("T")


def database() -> Database:
    return current_app.extensions["sixgates_db"]


def clock() -> Clock:
    return current_app.config["CLOCK"]


def write(work: Callable[[Session], T]) -> T:
    return database().writing(work)


def read_and_record(work: Callable[[Session], T]) -> T:
    """A read that may put the viewer's access on the record (engine.history.access_records)."""
    return database().reading_then_writing(work)


def read(work: Callable[[Session], T]) -> T:
    with database().reading() as session:
        return work(session)


def signed_in_user(session: Session) -> User:
    """The person making this request, loaded in the given unit of work: the API's token holder or the
    page's signed-in user."""
    user_id = g.get("api_user_id")
    return session.get(User, user_id if user_id is not None else current_user.user.id)


def path_on_this_site(target: str) -> str | None:
    """A `next` field's target when it is a path on this site (never another host, scheme or a backslash trick)."""
    parts = urlparse(target)
    on_site = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if on_site and not parts.scheme and not parts.netloc else None
