"""A hostile or runaway diagram: the request fails cleanly, nothing is saved, and the site keeps answering."""
import time

import pytest
from sqlalchemy import func, select

from engine import sandbox
from engine.repository import deployments
from engine.sandbox.pool import Limits
from engine.store.models import AuditEvent
from tests.conftest import FIXTURES

BPMN = (FIXTURES / "minimal.bpmn").read_bytes()
FORMS = {"ask.schema.json": (FIXTURES / "ask.schema.json").read_bytes()}
RUNAWAY = {
    "endless loop": "while number &gt; 0:\n    doubled = number",
    "loop inside a C builtin": "doubled = max(range(10 ** 15))",
    "huge integer": "doubled = number ** 10 ** 9",
    "memory": "doubled = [number] * 10 ** 10",
    "recursion": "def down(n):\n    return down(n + 1)\ndoubled = down(number)",
}


LOOPS = {
    # the script leads back to its own gateway: automatic steps with nobody to wait for
    "a loop of automatic steps": lambda bpmn: bpmn.replace(
        b'sourceRef="compute" targetRef="minimal_end"', b'sourceRef="compute" targetRef="decide"').replace(
        b"doubled = number * 2", b"number = number + 1"),
    # twenty thousand parallel instances of a script
    "a huge multi-instance": lambda bpmn: bpmn.replace(
        b"<bpmn:script>doubled = number * 2</bpmn:script>",
        b"<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>number * 400</bpmn:loopCardinality>"
        b"</bpmn:multiInstanceLoopCharacteristics><bpmn:script>doubled = 1</bpmn:script>"),
}


@pytest.fixture
def one_second():
    sandbox.configure(Limits(seconds=1.0))
    yield
    sandbox.configure(Limits())


@pytest.mark.parametrize("hostile", [BPMN.replace(b"doubled = number * 2", s.encode()) for s in RUNAWAY.values()]
                         + [edit(BPMN) for edit in LOOPS.values()], ids=[*RUNAWAY, *LOOPS])
def test_runaway_diagram_fails_cleanly_and_the_next_write_is_answered_within_a_second(
        db, clock, api_as, one_second, monkeypatch, hostile):
    monkeypatch.setattr("engine.spiff.environment.MAX_SECONDS_PER_CHANGE", 2.0)
    db.writing(lambda s: deployments.deploy_process(s, bpmn=hostile, dmn={}, forms=FORMS, actor="owner",
                                                   clock=clock))
    sponsor = api_as("sam", "sponsor")
    first = sponsor.post("/instances", json={"process": "minimal"}).json["id"]
    second = sponsor.post("/instances", json={"process": "minimal"}).json["id"]
    task_a, task_b = (next(t for t in sponsor.tasks() if t["instance_id"] == i) for i in (first, second))
    with db.reading() as s:
        events_before = s.scalar(select(func.count()).select_from(AuditEvent))

    started = time.monotonic()
    failed = sponsor.complete(task_a["id"], {"number": 50})           # > 10: the gateway runs the script
    assert failed.status_code == 500 and failed.json["error"]["code"] == "process_error"
    assert "nothing was saved" in failed.json["error"]["message"]
    assert time.monotonic() - started < 5          # the change budget (2 s here) and a little more

    started = time.monotonic()
    answered = sponsor.complete(task_b["id"], {"number": 5})          # another project, another write
    assert answered.status_code == 200, answered.json
    assert time.monotonic() - started < 2.0  # not held up by the runaway (a loaded CI machine is no stopwatch)
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) > events_before
    assert [t["id"] for t in sponsor.tasks() if t["instance_id"] == first] == [task_a["id"]]  # still open
    assert sponsor.get(f"/instances/{first}").json["data"].get("number") is None
