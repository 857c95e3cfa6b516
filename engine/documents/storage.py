"""File content, stored once by its SHA-256 in the database (every web host and every backup sees it), written in
the same transaction as the change that brings it."""
from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.store.models import FileContent


def store_content(session: Session, content: bytes) -> str:
    """Keep these bytes (once, however many documents hold them); their SHA-256."""
    sha256 = hashlib.sha256(content).hexdigest()
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    # Two uploads of the same bytes at once both "insert": the second finds it there, and neither fails.
    session.execute(dialect.insert(FileContent).values(sha256=sha256, size=len(content), content=content)
                    .on_conflict_do_nothing(index_elements=["sha256"]))
    return sha256


def content_of(session: Session, sha256: str) -> bytes | None:
    return session.scalar(select(FileContent.content).where(FileContent.sha256 == sha256))
