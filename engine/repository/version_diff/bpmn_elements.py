"""A BPMN diagram read as the elements a process owner changes: flow nodes, sequence flows,
lanes and pools, with what matters about each (lane, condition, timer, settings, repeats)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from engine.repository.version_diff.changes import words
from engine.spiff.xmlsafe import parse_xml

NODE_TAGS = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask", "sendTask",
    "receiveTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
}
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}
TAGS = NODE_TAGS | {"sequenceFlow", "lane", "participant"}
SCRIPT_TAGS = {"script", "preScript", "postScript"}
LOOP_TAGS = {"multiInstanceLoopCharacteristics", "standardLoopCharacteristics"}


@dataclass
class Element:
    id: str
    type: str
    name: str = ""
    event: str = ""  # timer, message, error... for events
    parent: str | None = None  # the enclosing subprocess, None at the top level
    lane: str | None = None
    source: str | None = None  # a flow's source; the task a boundary event is attached to
    target: str | None = None
    condition: str | None = None
    timer: str | None = None  # "duration P30D", "date review_date + ..."
    properties: dict[str, str] = field(default_factory=dict)
    loop: dict[str, str] | None = None
    scripts: dict[str, str] = field(default_factory=dict)
    documentation: str = ""

    @property
    def is_flow(self) -> bool:
        return self.type == "sequenceFlow"


def local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _text(element: etree._Element | None) -> str:
    return re.sub(r"\s+", " ", element.text or "").strip() if element is not None else ""


def _child(element: etree._Element, *tags: str) -> etree._Element | None:
    return next((c for c in element if local(c) in tags), None)


def read_elements(bpmn: bytes) -> dict[str, Element]:
    """Every diagram element with an id, in document order."""
    root = parse_xml(bpmn, what="the BPMN file")
    lane_of = {_text(ref): lane.get("id") for lane in root.iter() if local(lane) == "lane"
               for ref in lane if local(ref) == "flowNodeRef"}
    elements = {}
    for node in root.iter():
        if local(node) in TAGS and node.get("id"):
            elements[node.get("id")] = _element(node, lane_of.get(node.get("id")))
    return elements


def _element(node: etree._Element, lane: str | None) -> Element:
    tag = local(node)
    element = Element(id=node.get("id"), type=tag, name=re.sub(r"\s+", " ", node.get("name") or "").strip(),
                      lane=lane, parent=_parent(node), documentation=_text(_child(node, "documentation")))
    if tag == "sequenceFlow":
        element.source, element.target = node.get("sourceRef"), node.get("targetRef")
        condition = _child(node, "conditionExpression")
        element.condition = _text(condition) if condition is not None else None
    if tag == "boundaryEvent":
        element.source = node.get("attachedToRef")
        element.properties["interrupting"] = "no" if node.get("cancelActivity") == "false" else "yes"
    if node.get("default"):
        element.properties["default flow"] = node.get("default")
    definition = next((c for c in node if local(c).endswith("EventDefinition")), None)
    if definition is not None:
        element.event = words(local(definition).removesuffix("EventDefinition"))
        when = _child(definition, "timeDate", "timeDuration", "timeCycle")
        if when is not None:
            element.timer = f"{words(local(when)[4:])} {_text(when)}"
    _read_extensions(node, element)
    loop = _child(node, *LOOP_TAGS)
    if loop is not None:
        element.loop = _loop(loop)
    return element


def _parent(node: etree._Element) -> str | None:
    for ancestor in node.iterancestors():
        if local(ancestor) in CONTAINERS:
            return ancestor.get("id")
    return None


def _read_extensions(node: etree._Element, element: Element) -> None:
    script = _child(node, "script")
    if script is not None:
        element.scripts["script"] = (script.text or "").strip()
    extensions = _child(node, "extensionElements")
    for item in extensions if extensions is not None else []:
        tag = local(item)
        if tag == "properties":
            element.properties.update({p.get("name"): p.get("value") or "" for p in item
                                       if local(p) == "property" and p.get("name")})
        elif tag == "calledDecisionId":
            element.properties["decision table"] = _text(item)
        elif tag in SCRIPT_TAGS:
            element.scripts[tag] = (item.text or "").strip()


def _loop(loop: etree._Element) -> dict[str, str]:
    if local(loop) == "standardLoopCharacteristics":
        found = {"kind": "loop", "test before": loop.get("testBefore", "false")}
    else:
        found = {"kind": "one after another" if loop.get("isSequential") == "true" else "in parallel"}
    for part in loop:
        tag = local(part)
        if tag:
            found[tag] = part.get("name") if tag.endswith("DataItem") else _text(part)
    return found
