"""Exporting the audit trail: XES that process-mining tools read (pm4py here), CSV and JSON with every event."""
import csv
import io
import json
import os
import re

import pytest
from lxml import etree
from sqlalchemy import select

from demo import seed
from engine.errors import BadRequest, Forbidden, NotFound
from engine.history import audit_export
from engine.runtime import migration
from engine.runtime.timers import fire_due
from engine.spiff import role_key
from engine.store import trail
from engine.store.models import AuditEvent, ProcessInstance, User
from tests import snapshots
from tests.conftest import ROOT
from tests.diagram.test_six_gates import plan
from tests.diagram_edits import deploy, element, six_gates_files

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DIAGRAM = ROOT / "processes" / "six_gates.bpmn"
REJECT_AT_GATE1 = {"gate1_prioritisation": {"gate1_decision": "reject", "gate1_reason": "Out of scope for the Hub."}}
ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _q(tag: str) -> str:
    return f"{{{BPMN}}}{tag}"


def diagram_tasks() -> tuple[dict[str, str], dict[str, str]]:
    """User task names and lane roles by BPMN id, read straight from processes/six_gates.bpmn."""
    root = etree.parse(str(DIAGRAM)).getroot()
    names = {t.get("id"): t.get("name") for t in root.iter(_q("userTask"))}
    roles = {}
    for lane in root.iter(_q("lane")):
        for ref in lane.iter(_q("flowNodeRef")):
            roles[ref.text.strip()] = role_key(lane.get("name"))
    for sub in root.iter(_q("subProcess")):  # a task inside a subprocess takes the subprocess's lane
        for task in sub.iter(_q("userTask")):
            roles.setdefault(task.get("id"), roles.get(sub.get("id")))
    return names, {i: roles[i] for i in names}


def rework_gate3_once() -> dict:
    """The Hub team sends the specification back once, then approves it."""
    calls = []

    def hub_signoff(_data, _user):
        calls.append(1)
        return {"gate3_hub_decision": "rework" if len(calls) == 1 else "approve"}
    return plan(gate3_hub_signoff=hub_signoff)


def walk_to_the_end(db, clock, people, project) -> list[str]:
    done = people.walk(project, plan(), stop_at="submit_kpi_return")
    while status(db, project) == "running":
        clock.advance(days=31)
        fire_due(db, clock=clock)
        done += people.walk(project, plan())
    return done


def status(db, project) -> str:
    with db.reading() as s:
        return s.get(ProcessInstance, project).status


@pytest.fixture
def projects(db, clock, people):
    """Four projects: closed after every gate, rejected at Gate 1, at the KPI stage, and mid-way after a
    Gate 3 rework. Each maps to the BPMN ids of the user tasks completed, in order."""
    def walk():
        walked = {}
        finished = people.start()
        rejected = people.start()
        at_kpi = people.start()
        midway = people.start()
        walked[rejected] = people.walk(rejected, plan(**REJECT_AT_GATE1))
        walked[at_kpi] = people.walk(at_kpi, plan(), stop_at="submit_kpi_return")
        walked[midway] = people.walk(midway, rework_gate3_once(), stop_at="gate4_mobilisation_approval")
        walked[finished] = walk_to_the_end(db, clock, people, finished)
        return dict(finished=finished, rejected=rejected, at_kpi=at_kpi, midway=midway, walked=walked)
    return snapshots.once("audit_export projects", db, clock, walk)


def export_to(db, tmp_path, fmt, *, instance_id=None, lifecycle="complete"):
    path = tmp_path / f"history-{lifecycle}.{fmt}"
    with db.reading() as s:
        audit_export.export(s, fmt=fmt, instance_id=instance_id, path=path, lifecycle=lifecycle)
    return path


@pytest.fixture(scope="module")
def pm4py():
    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    import pm4py
    return pm4py


def traces(log) -> dict[str, list[dict]]:
    return {case: rows.to_dict("records") for case, rows in log.groupby("case:concept:name", sort=False)}


# --- XES ------------------------------------------------------------------------------------------------------

def test_pm4py_reads_one_trace_per_project_with_the_diagrams_task_names_in_order(db, tmp_path, projects, pm4py):
    names, _ = diagram_tasks()
    log = pm4py.read_xes(str(export_to(db, tmp_path, "xes")), variant="iterparse")
    found = traces(log)
    assert set(found) == {f"project-{p}" for p in projects["walked"]}
    for project, done in projects["walked"].items():
        assert [e["concept:name"] for e in found[f"project-{project}"]] == [names[i] for i in done]
    assert [e["concept:name"] for e in found[f"project-{projects['rejected']}"]] == [
        "Propose challenge", "Define and score challenge", "Gate 1 – Prioritisation", "Record lessons learned"]
    midway = [e["concept:name"] for e in found[f"project-{projects['midway']}"]]
    assert midway.count("Gate 3 – Specification sign-off (Hub team)") == 2
    assert midway[-1] == "Prepare mobilisation pack"
    assert {e["lifecycle:transition"] for e in log.to_dict("records")} == {"complete"}


def test_every_event_names_who_did_it_in_which_lane_role_and_organisation(db, tmp_path, projects, pm4py):
    names, lane_roles = diagram_tasks()
    by_name = {name: bpmn_id for bpmn_id, name in names.items()}
    roles_of = {username: set(roles) for username, _, roles, _ in seed.DEMO_USERS}
    log = pm4py.read_xes(str(export_to(db, tmp_path, "xes")), variant="iterparse")
    events = log.to_dict("records")
    for event in events:
        role = lane_roles[by_name[event["concept:name"]]]
        assert event["org:role"] == role and role in roles_of[event["org:resource"]]
    finished = traces(log)[f"project-{projects['finished']}"]
    assert finished[0]["org:resource"] == "sam.sponsor"
    assert {e["org:resource"] for e in finished if e["concept:name"] == "Score EoIs"} == {
        "bea.board", "ben.board", "bill.board"}
    assert {e["org:group"] for e in finished if e["concept:name"] == "Submit expression of interest"} == {
        seed.MEDTECH, seed.DATAHEALTH}
    cases = log.drop_duplicates("case:concept:name").set_index("case:concept:name")
    assert cases.loc[f"project-{projects['finished']}", "case:status"] == "completed"
    assert cases.loc[f"project-{projects['rejected']}", "case:outcome"] == "rejected_at_gate1"
    assert cases.loc[f"project-{projects['midway']}", "case:status"] == "running"
    assert set(cases["case:process"]) == {"six_gates"} and set(cases["case:process_version"]) == {1}


def miner_view(bpmn: bytes) -> bytes:
    """The diagram as pm4py's BPMN-to-Petri-net conversion can read it, in the same behaviour.

    pm4py (2.7.23) converts only tasks, start/end events and gateways: subprocesses, intermediate
    timer events and boundary events become unconnected places, multi-instance markers are ignored,
    and every named task, scripts included, becomes a visible transition. Replaying the raw diagram
    measured log fitness 0.65 with no trace fitting. So, on a copy: automatic steps (script and
    decision tasks) lose their names (silent transitions: the XES holds only people's work), timer
    events become pass-through gateways, a boundary timer becomes a choice before its task,
    multi-instance activities a loop (one or more times), and subprocesses are inlined.
    """
    root = etree.fromstring(bpmn)
    for node in list(root.iter(_q("incoming"), _q("outgoing"), _q("extensionElements"), _q("documentation"),
                               "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram")):
        node.getparent().remove(node)
    for task in root.iter(_q("scriptTask"), _q("businessRuleTask"), _q("serviceTask")):
        task.attrib.pop("name", None)
    for event in root.iter(_q("intermediateCatchEvent")):
        event.tag = _q("exclusiveGateway")
    for boundary in list(root.iter(_q("boundaryEvent"))):
        _choice_before(root, boundary)
    for loop in list(root.iter(_q("multiInstanceLoopCharacteristics"), _q("standardLoopCharacteristics"))):
        _repeat(root, loop)
    for sub in reversed(list(root.iter(_q("subProcess")))):
        _inline(root, sub)
    return etree.tostring(root)


def _flow(parent, source: str, target: str) -> None:
    etree.SubElement(parent, _q("sequenceFlow"), id=f"miner_{source}_to_{target}", sourceRef=source, targetRef=target)


def _redirect(root, end: str, old: str, new: str) -> None:
    for flow in root.iter(_q("sequenceFlow")):
        if flow.get(end) == old:
            flow.set(end, new)


def _choice_before(root, boundary) -> None:
    task, parent = boundary.attrib.pop("attachedToRef"), boundary.getparent()
    choice = f"miner_choice_{task}"
    etree.SubElement(parent, _q("exclusiveGateway"), id=choice)
    _redirect(root, "targetRef", task, choice)
    boundary.tag = _q("exclusiveGateway")
    _flow(parent, choice, task)
    _flow(parent, choice, boundary.get("id"))


def _repeat(root, loop) -> None:
    activity = loop.getparent()
    activity.remove(loop)
    parent, name = activity.getparent(), activity.get("id")
    entry, done = f"miner_again_{name}", f"miner_done_{name}"
    for gateway in (entry, done):
        etree.SubElement(parent, _q("exclusiveGateway"), id=gateway)
    _redirect(root, "targetRef", name, entry)
    _redirect(root, "sourceRef", name, done)
    _flow(parent, entry, name)
    _flow(parent, name, done)
    _flow(parent, done, entry)


def _inline(root, sub) -> None:
    """The subprocess's content moves up; its start takes the incoming flows, its ends meet at its id."""
    parent, name = sub.getparent(), sub.get("id")
    [start] = [n for n in sub if n.tag == _q("startEvent")]
    ends = [n for n in sub if n.tag == _q("endEvent")]
    for node in [start, *ends]:
        node.tag = _q("exclusiveGateway")
    _redirect(root, "targetRef", name, start.get("id"))
    for child in list(sub):
        parent.append(child)
    sub.tag = _q("exclusiveGateway")
    for key in [k for k in sub.attrib if k != "id"]:
        del sub.attrib[key]
    for end in ends:
        _flow(parent, end.get("id"), name)


def test_conformance_token_replay_of_the_exported_log_on_the_six_gates_diagram(db, tmp_path, projects, pm4py,
                                                                               record_property):
    """Measures how well the exported log fits the diagram: pm4py's token-based replay on the Petri net pm4py
    converts the (pre-processed) six-gates BPMN into. Finished projects must fit perfectly; a running project
    fits as far as it has gone (its one unfinished token counts against it)."""
    model = tmp_path / "six_gates_for_mining.bpmn"
    model.write_bytes(miner_view(DIAGRAM.read_bytes()))
    net, im, fm = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(model)))
    log = pm4py.read_xes(str(export_to(db, tmp_path, "xes")), variant="iterparse")

    fitness = pm4py.fitness_token_based_replay(log, net, im, fm)
    event_log = pm4py.convert_to_event_log(log)
    per_trace = dict(zip([trace.attributes["concept:name"] for trace in event_log],
                         pm4py.conformance_diagnostics_token_based_replay(event_log, net, im, fm), strict=True))
    for key in ("log_fitness", "average_trace_fitness", "percentage_of_fitting_traces"):
        record_property(key, fitness[key])
    print(f"\ntoken replay: log fitness {fitness['log_fitness']:.3f}, average trace fitness "
          f"{fitness['average_trace_fitness']:.3f}, {fitness['percentage_of_fitting_traces']:.0f}% traces fit")
    for case, result in per_trace.items():
        print(f"  {case}: fitness {result['trace_fitness']:.3f}, missing {result['missing_tokens']}, "
              f"remaining {result['remaining_tokens']} of {result['produced_tokens']} produced")

    for closed in (projects["finished"], projects["rejected"]):
        result = per_trace[f"project-{closed}"]
        assert result["trace_is_fit"] and result["trace_fitness"] == 1.0
    for running in (projects["at_kpi"], projects["midway"]):
        result = per_trace[f"project-{running}"]
        assert result["missing_tokens"] == result["remaining_tokens"] == 1  # only the end not yet reached
    assert fitness["percentage_of_fitting_traces"] == 50.0
    assert fitness["log_fitness"] > 0.97


def test_the_full_lifecycle_adds_scheduled_and_claimed_tasks_around_the_same_completions(db, tmp_path, projects,
                                                                                       pm4py):
    default = pm4py.read_xes(str(export_to(db, tmp_path, "xes")), variant="iterparse")
    full = pm4py.read_xes(str(export_to(db, tmp_path, "xes", lifecycle="all")), variant="iterparse")
    transitions = set(full["lifecycle:transition"])
    assert {"schedule", "complete"} <= transitions <= {"schedule", "assign", "withdraw", "complete"}
    completions = full[full["lifecycle:transition"] == "complete"]
    assert completions["concept:name"].tolist() == default["concept:name"].tolist()
    scheduled = full[full["lifecycle:transition"] == "schedule"]
    assert set(completions["concept:instance"]) <= set(scheduled["concept:instance"])
    assert scheduled["org:resource"].isna().all()  # the engine scheduled them; nobody performed anything yet


def test_the_xes_declares_its_extensions_globals_and_classifiers_and_escapes_text(db, clock, people, tmp_path):
    project = people.start()
    title = 'Triage <fast> & "fair"\x07'
    people.walk(project, plan(propose_challenge={"title": title, "challenge_area": "Early Diagnosis & Screening"}),
                stop_at="gate1_prioritisation")
    log = etree.parse(str(export_to(db, tmp_path, "xes"))).getroot()
    assert log.get("xes.version") == "1849.2016"  # a decimal, as the IEEE 1849 schema types it
    assert {(e.get("prefix"), e.get("uri")) for e in log.findall("extension")} == {
        ("concept", "http://www.xes-standard.org/concept.xesext"), ("time", "http://www.xes-standard.org/time.xesext"),
        ("lifecycle", "http://www.xes-standard.org/lifecycle.xesext"), ("org", "http://www.xes-standard.org/org.xesext")}
    event_globals = {a.get("key") for a in log.find("global[@scope='event']")}
    assert {"concept:name", "time:timestamp", "lifecycle:transition", "org:resource"} <= event_globals
    assert "concept:name" in {a.get("key") for a in log.find("global[@scope='trace']")}
    assert {c.get("name"): c.get("keys") for c in log.findall("classifier")}["Activity_lifecycle"] == (
        "concept:name lifecycle:transition")
    [trace] = log.findall("trace")
    assert trace.find("string[@key='title']").get("value") == title.replace("\x07", "\ufffd")
    stamps = [d.get("value") for d in trace.iter("date")]
    assert stamps and all(ISO_WITH_ZONE.match(s) for s in stamps)


def test_a_migrated_project_is_named_as_in_each_version_it_ran(db, clock, people, tmp_path):
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    tree, dmn, forms = six_gates_files()
    element(tree, "draft_specification").set("name", "Write the project specification")
    element(tree, "prepare_mobilisation").set("name", "Assemble the mobilisation pack")
    target = deploy(db, clock, tree, dmn, forms)
    from tests.conftest import add_user
    add_user(db, clock, "olga.owner", "process_owner")
    db.writing(lambda s: migration.migrate_instance(
        s, user=s.scalars(select(User).where(User.username == "olga.owner")).one(), instance_id=project,
        target_version_id=target.id, clock=clock))
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")

    log = etree.parse(str(export_to(db, tmp_path, "xes"))).getroot()
    activities = [e.find("string[@key='concept:name']").get("value") for e in log.iter("event")]
    assert "Draft project specification" in activities and "Write the project specification" not in activities
    assert activities[-1] == "Assemble the mobilisation pack"
    assert log.find("trace/int[@key='process_version']").get("value") == "2"


# --- CSV and JSON ------------------------------------------------------------------------------------------------

def recorded(db) -> list[AuditEvent]:
    with db.reading() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.instance_id.is_not(None))
                              .order_by(AuditEvent.instance_id, AuditEvent.seq)))


def test_the_csv_has_every_event_of_every_project_with_its_data_as_json(db, tmp_path, projects):
    text = export_to(db, tmp_path, "csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0].split(",")[:10] == [
        "instance_id", "seq", "at", "actor", "kind", "task", "task_id", "data", "prev_hash", "hash"]
    events = recorded(db)
    assert [(int(r["instance_id"]), int(r["seq"]), r["kind"], r["hash"]) for r in rows] == [
        (e.instance_id, e.seq, e.kind, e.hash) for e in events]
    assert [json.loads(r["data"]) for r in rows] == [json.loads(e.data_json) for e in events]
    assert {r["kind"] for r in rows} >= {"instance_started", "task_ready", "task_completed", "gateway_taken",
                                         "decision_made", "timer_fired", "instance_completed"}
    gate1 = next(r for r in rows if r["kind"] == "task_completed" and r["task"] == "gate1_prioritisation")
    assert gate1["activity"] == "Gate 1 – Prioritisation" and gate1["process_version"] == "1"


def test_the_json_has_every_event_with_its_data(db, tmp_path, projects):
    names, _ = diagram_tasks()
    exported = json.loads(export_to(db, tmp_path, "json").read_text())
    events = recorded(db)
    assert len(exported) == len(events)
    for item, event in zip(exported, events, strict=True):
        assert item == dict(trail.event_view(event), instance_id=event.instance_id,
                            activity=names.get(event.task_name or ""), process_version=1)


def test_one_projects_export_holds_only_its_events_and_an_unknown_project_is_refused(db, tmp_path, projects):
    only = json.loads(export_to(db, tmp_path, "json", instance_id=projects["rejected"]).read_text())
    assert only and {e["instance_id"] for e in only} == {projects["rejected"]}
    with pytest.raises(NotFound):
        export_to(db, tmp_path, "xes", instance_id=9999)
    with pytest.raises(BadRequest):
        export_to(db, tmp_path, "pdf")


# --- who may download ----------------------------------------------------------------------------------------------

def download_as(db, clock, username, **options):
    """As the download page does it: the export is built and goes on the record in one unit of work."""
    def user(s):
        return s.scalars(select(User).where(User.username == username)).one()
    return db.writing(lambda s: audit_export.download(s, user=user(s), clock=clock, **options))


def test_an_auditors_download_is_recorded_and_others_are_refused(db, clock, projects):
    export = download_as(db, clock, "aud.auditor", fmt="xes", instance_id=projects["midway"])
    assert export.filename == f"six-gates-project-{projects['midway']}-history.xes"
    assert export.body.startswith(b"<?xml")
    with db.reading() as s:
        last = trail.list_events(s, trail.SYSTEM_CHAIN)[-1]
    assert (last.kind, last.actor) == ("personal_data_viewed", "aud.auditor")
    assert json.loads(last.data_json) == {"view": "export (xes)", "instance": projects["midway"]}
    for username in ("sam.sponsor", "hana.hub"):
        with pytest.raises(Forbidden):
            download_as(db, clock, username, fmt="csv", instance_id=None)
    with db.reading() as s:
        assert trail.list_events(s, trail.SYSTEM_CHAIN)[-1].id == last.id


def test_csv_cells_that_spreadsheets_would_run_are_shown_as_text(db, clock, projects, tmp_path):
    with db.engine.begin() as conn:  # an actor name, as anyone could choose it, that is a formula
        conn.execute(AuditEvent.__table__.update().where(AuditEvent.kind == "instance_started")
                     .values(actor="=HYPERLINK(\"http://evil\")"))
    rows = list(csv.DictReader(export_to(db, tmp_path, "csv").open()))
    assert {r["actor"] for r in rows if r["kind"] == "instance_started"} == {"'=HYPERLINK(\"http://evil\")"}
