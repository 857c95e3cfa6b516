"""Workflows kept in memory between changes, owned by the database they were saved to."""
from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy.orm import Session

from engine.store.db import DATABASE, Database
from engine.store.models import ProcessInstance


class WorkflowCache:
    """Workflows as they stood after this process's last committed change, by instance.

    Deserialising is the largest part of a task's cost and grows with its history; when the
    instance's version in the database is the one we saved, the object in memory is that
    state. An entry is taken out while in use and put back only after a commit.
    """

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[int, tuple[int, str, object]] = OrderedDict()
        self.lock = threading.Lock()

    def take(self, instance: ProcessInstance):
        with self.lock:
            entry = self.entries.pop(instance.id, None)
        if entry is None:
            return None
        version, content_hash, wf = entry
        if version == instance.lock_version and content_hash == instance.process_version.content_hash:
            return wf
        return None

    def put(self, instance_id: int, version: int, content_hash: str, wf) -> None:
        with self.lock:
            self.entries[instance_id] = (version, content_hash, wf)
            self.entries.move_to_end(instance_id)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


DEFAULT_SIZE = 256  # projects' workflows kept for one database, unless the settings say otherwise


def keep_workflows(database: Database, size: int) -> WorkflowCache:
    """Keep up to `size` workflows for this database from now on (0: none)."""
    kept = workflows_kept_for(database)
    kept.size = size
    return kept


def workflows_kept_for(database: Database) -> WorkflowCache:
    return database.cache("workflows", lambda: WorkflowCache(DEFAULT_SIZE))


def workflow_cache(session: Session) -> WorkflowCache:
    database = session.info.get(DATABASE)
    if database is None:  # a session made outside a Database keeps nothing
        return WorkflowCache(0)
    return workflows_kept_for(database)
