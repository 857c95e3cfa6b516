"""Who may read a document: exactly those shown a reference to it. A file is as confidential as the answer it
belongs to, so the allow-list that decides what of a project each reader sees (engine.policy.visibility) decides
its files too: a competitor's EoI evidence is as hidden as the EoI, a partner's own is theirs. A draft (uploaded,
not yet submitted) is its uploader's alone."""
from __future__ import annotations

import json
from typing import Any, Iterator

from engine.store.models import Document, ProcessInstance, Task, User

from .visibility import reader_for


def references_in(value: Any) -> Iterator[dict]:
    """Every document reference ({"document": id, ..., "sha256": ...}) inside some data."""
    if isinstance(value, dict):
        if isinstance(value.get("document"), int) and isinstance(value.get("sha256"), str):
            yield value
            return
        for item in value.values():
            yield from references_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from references_in(item)


def readable_documents(user: User, instance: ProcessInstance, *, project_data: dict,
                       tasks: list[Task]) -> set[tuple[int, str]]:
    """(document id, sha256) of every attached document this user is shown a reference to: in the project's data as
    they read it, or in the recorded answers of these completed tasks as they read them. The caller has checked
    may_see_instance."""
    from engine.policy import may_see_task  # the package imports this module
    reader = reader_for(user, instance, project_data)
    shown: list[Any] = [reader.data(project_data)]
    for task in tasks:
        if task.state != "completed" or not task.data_json or not may_see_task(user, task):
            continue
        view = reader.event({"kind": "task_completed", "actor": task.completed_by, "task": task.bpmn_id,
                             "data": json.loads(task.data_json)}, task=task)
        if view is not None:
            shown.append(view["data"])
    return {(ref["document"], ref["sha256"]) for ref in references_in(shown)}


def may_read_draft(user: User, document: Document) -> bool:
    return document.uploaded_by == user.username
