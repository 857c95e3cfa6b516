"""Edits to the six-gates diagram a process owner might make, for tests of new versions."""
from __future__ import annotations

import copy

from lxml import etree

from engine.repository import deployments
from tests.conftest import ROOT

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS}


def _q(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def six_gates_files() -> tuple[etree._Element, dict[str, bytes], dict[str, bytes]]:
    bpmn, dmn, forms = deployments.read_directory(ROOT / "processes", ROOT / "forms")
    return etree.fromstring(bpmn), dmn, forms


def element(tree: etree._Element, element_id: str) -> etree._Element:
    return tree.xpath(f"//*[@id='{element_id}']")[0]


def insert_step_after(tree: etree._Element, after: str, new_id: str, name: str, lane: str) -> None:
    """A new user task between `after` and what followed it, with the same form."""
    before = element(tree, after)
    flow = tree.xpath(f"//bpmn:sequenceFlow[@sourceRef='{after}']", namespaces=NS)[0]
    step = copy.deepcopy(before)
    step.set("id", new_id)
    step.set("name", name)
    for link in step.findall(_q("incoming")) + step.findall(_q("outgoing")):
        step.remove(link)
    etree.SubElement(step, _q("incoming")).text = flow.get("id")
    etree.SubElement(step, _q("outgoing")).text = f"flow_{new_id}_out"
    before.addnext(step)
    new_flow = etree.Element(_q("sequenceFlow"), id=f"flow_{new_id}_out", sourceRef=new_id,
                             targetRef=flow.get("targetRef"))
    flow.addnext(new_flow)
    target = element(tree, flow.get("targetRef"))
    for incoming in target.findall(_q("incoming")):
        if incoming.text == flow.get("id"):
            incoming.text = new_flow.get("id")
    flow.set("targetRef", new_id)
    etree.SubElement(element(tree, lane), _q("flowNodeRef")).text = new_id


def move_to_lane(tree: etree._Element, node_id: str, lane: str) -> None:
    for ref in tree.xpath(f"//bpmn:lane/bpmn:flowNodeRef[text()='{node_id}']", namespaces=NS):
        ref.getparent().remove(ref)
    etree.SubElement(element(tree, lane), _q("flowNodeRef")).text = node_id


def rename_id(tree: etree._Element, old: str, new: str) -> None:
    """What deleting a step and drawing a new one in its place amounts to."""
    for node in tree.iter():
        if not isinstance(node.tag, str):
            continue
        for attr in ("id", "sourceRef", "targetRef", "bpmnElement", "default", "attachedToRef"):
            if node.get(attr) == old:
                node.set(attr, new)
        if node.text == old:
            node.text = new


def remove_step(tree: etree._Element, node_id: str) -> None:
    """Delete a step with one way in and one way out, joining the flows around it."""
    into = tree.xpath(f"//bpmn:sequenceFlow[@targetRef='{node_id}']", namespaces=NS)[0]
    out = tree.xpath(f"//bpmn:sequenceFlow[@sourceRef='{node_id}']", namespaces=NS)[0]
    into.set("targetRef", out.get("targetRef"))
    for incoming in element(tree, out.get("targetRef")).findall(_q("incoming")):
        if incoming.text == out.get("id"):
            incoming.text = into.get("id")
    doomed = [element(tree, node_id), out] + tree.xpath(
        f"//*[@bpmnElement='{node_id}' or @bpmnElement='{out.get('id')}'] | //bpmn:flowNodeRef[text()='{node_id}']",
        namespaces=NS)
    for node in doomed:
        node.getparent().remove(node)


def deploy(db, clock, tree: etree._Element, dmn: dict[str, bytes], forms: dict[str, bytes]):
    version, _ = db.writing(lambda s: deployments.deploy_process(
        s, bpmn=etree.tostring(tree), dmn=dmn, forms=forms, actor="otto.owner", clock=clock))
    return version
