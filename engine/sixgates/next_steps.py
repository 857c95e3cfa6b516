"""What comes after the steps a project waits at: the user tasks (or the end) its diagram leads to next,
through gateways, events and automatic steps, for the project page's list of steps in words."""
from __future__ import annotations

from engine.repository.version_diff.bpmn_elements import read_elements
from engine.store.models import ProcessVersion

PEOPLE_STEPS = {"userTask", "manualTask", "task"}  # where the project waits for someone
_graphs: dict[str, tuple[dict[str, list[str]], dict[str, tuple[str, str]]]] = {}  # hash -> flows, nodes: never change


def steps_after(version: ProcessVersion, ids: list[str]) -> list[str]:
    """The names of the people's steps (or "The end") the diagram leads to next from the elements `ids`,
    each once, in the diagram's order of flows."""
    flows, nodes = _graph(version)
    found: list[str] = []
    seen = set(ids)
    queue = [target for i in ids for target in flows.get(i, [])]
    while queue:
        element = queue.pop(0)
        if element in seen or element not in nodes:
            continue
        seen.add(element)
        kind, name = nodes[element]
        if kind in PEOPLE_STEPS:
            found.append(name or element)
        elif kind == "endEvent":
            found.append(name or "The end")
        else:
            queue.extend(flows.get(element, []))
    return list(dict.fromkeys(found))


def _graph(version: ProcessVersion) -> tuple[dict[str, list[str]], dict[str, tuple[str, str]]]:
    if version.content_hash not in _graphs:
        elements = read_elements(version.bpmn_xml.encode())
        flows: dict[str, list[str]] = {}
        for element in elements.values():
            if element.is_flow and element.source and element.target:
                flows.setdefault(element.source, []).append(element.target)
        nodes = {i: (e.type, e.name) for i, e in elements.items()
                 if not e.is_flow and e.type not in ("lane", "participant")}
        _graphs[version.content_hash] = (flows, nodes)
    return _graphs[version.content_hash]
