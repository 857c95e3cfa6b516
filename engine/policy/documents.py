"""Who may read a document: those shown a reference to it where it was attached. A file is as confidential as the
answer it belongs to, so the allow-list that decides what of a project each reader sees (engine.policy.visibility)
decides its files too: a competitor's EoI evidence is as hidden as the EoI, a partner's own is theirs. A reference
grants reading only under the document's own field (a top-level key), in its own task's answers or in the
project's data: one that diagram code or a person put anywhere else grants nothing (a partner's EoI evidence is read
from the EoI task's answers, which show it to the partner, the board scoring it and, once selected, the Hub's
staff). A draft (uploaded, not yet submitted) is its uploader's alone."""
from __future__ import annotations

import json
from typing import Any, Iterator

from engine.store.models import Document, ProcessInstance, Task, User

from .visibility import reader_for


def references_in(value: Any) -> Iterator[dict]:
    """Every document reference ({"document": id, ..., "sha256": ...}) inside some data."""
    for _key, ref in references_under(value):
        yield ref


def references_under(value: Any, key: str | None = None) -> Iterator[tuple[str | None, dict]]:
    """Every document reference inside some data, with the name of the field that holds it."""
    if isinstance(value, dict):
        if type(value.get("document")) is int and isinstance(value.get("sha256"), str):  # never a bool
            yield key, value
            return
        for name, item in value.items():
            yield from references_under(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from references_under(item, key)


def readable_documents(user: User, instance: ProcessInstance, *, project_data: dict, documents: list[Document],
                       tasks: dict[str, Task], held: list[Task]) -> set[int]:
    """The ids of those attached `documents` this user is shown where they were attached: in the project's data as
    they read it, or in the recorded answers of the document's own task (`tasks`, by id) as they read them; also as
    they read the project while doing one of the open tasks they `held` (a board member scoring in a member's place
    reads the EoIs they score). The caller has checked may_see_instance."""
    from engine.policy import may_see_task  # the package imports this module
    shown: set[tuple[str | None, str | None, int, str]] = set()  # (task id, or None: project data; field; id; hash)
    readers = [reader_for(user, instance, project_data)] + [reader_for(user, instance, project_data, task=t)
                                                            for t in held]
    for reader in readers:
        shown.update((None, key, ref["document"], ref["sha256"]) for key, ref in _by_field(reader.data(project_data)))
        for task in tasks.values():
            if task.state != "completed" or not task.data_json or not may_see_task(user, task):
                continue
            view = reader.event({"kind": "task_completed", "actor": task.completed_by, "task": task.bpmn_id,
                                 "data": json.loads(task.data_json)}, task=task)
            if view is not None:
                shown.update((task.id, key, ref["document"], ref["sha256"]) for key, ref in _by_field(view["data"]))
    return {d.id for d in documents if {(None, d.field, d.id, d.sha256), (d.task_id, d.field, d.id, d.sha256)} & shown}


def _by_field(data: dict) -> Iterator[tuple[str, dict]]:
    """Each reference with the top-level key that holds it: a file field's own key (a reference nested anywhere
    inside another key, as diagram code could put it, grants nothing)."""
    for key, value in data.items():
        for ref in references_in(value):
            yield key, ref


def may_read_draft(user: User, document: Document) -> bool:
    return document.uploaded_by == user.username
