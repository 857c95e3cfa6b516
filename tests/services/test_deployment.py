"""Deploying a diagram: hostile or broken files are refused with reasons; versions by content hash."""
import threading

import pytest
from lxml import etree
from sqlalchemy import func, select, update

from engine.errors import DiagramRejected
from engine.repository import deployments
from engine.store.models import AuditEvent, ProcessVersion, User
from tests.conftest import FIXTURES, add_user
from tests.diagram_edits import move_to_lane, six_gates_files

BPMN = (FIXTURES / "minimal.bpmn").read_bytes()
FORMS = {"ask.schema.json": (FIXTURES / "ask.schema.json").read_bytes()}


def deploy(db, clock, bpmn=BPMN, forms=FORMS, dmn=None):
    return db.writing(lambda s: deployments.deploy_process(s, bpmn=bpmn, dmn=dmn or {}, forms=forms,
                                                          actor="owner", clock=clock))


def refused(db, clock, **kwargs) -> list[str]:
    with pytest.raises(DiagramRejected) as caught:
        deploy(db, clock, **kwargs)
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(ProcessVersion)) == 0
    return caught.value.problems


def test_a_valid_diagram_deploys_once_per_content(db, clock):
    first, created = deploy(db, clock)
    again, created_again = deploy(db, clock)
    assert created and not created_again and first.id == again.id and first.version == 1
    changed, _ = deploy(db, clock, bpmn=BPMN.replace(b"Answer a question", b"Answer the question"))
    assert changed.version == 2 and changed.content_hash != first.content_hash
    with db.reading() as s:
        kinds = s.scalars(select(AuditEvent.kind).where(AuditEvent.chain == "system")).all()
    assert kinds.count("version_deployed") == 2


def test_external_entity_is_refused(db, clock):
    hostile = BPMN.replace(b'<?xml version="1.0" encoding="UTF-8"?>',
                           b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    hostile = hostile.replace(b"Answer a question", b"&x;")
    assert any("DOCTYPE" in p for p in refused(db, clock, bpmn=hostile))


def test_billion_laughs_is_refused(db, clock):
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    hostile = BPMN.replace(b'<?xml version="1.0" encoding="UTF-8"?>', laughs).replace(b"Compute", b"&b;")
    assert any("DOCTYPE" in p for p in refused(db, clock, bpmn=hostile))


def test_script_that_imports_os_is_refused_with_the_element(db, clock):
    hostile = BPMN.replace(b"doubled = number * 2", b"import os\nos.system('touch /tmp/pwned')")
    problems = refused(db, clock, bpmn=hostile)
    assert problems == ["element compute: the script uses imports, which diagram code may not use (line 1)"]


def test_gateway_condition_escaping_the_sandbox_is_refused(db, clock):
    hostile = BPMN.replace(b"number &gt; 10", b"().__class__.__base__.__subclasses__()")
    assert any("element f3" in p and "attribute '__" in p for p in refused(db, clock, bpmn=hostile))


def test_missing_form_and_unknown_lane_role_are_each_reported(db, clock):
    broken = BPMN.replace(b'name="Sponsor"', b'name="Space cadets"')
    problems = refused(db, clock, bpmn=broken, forms={})
    assert problems[0].startswith('element lane_sponsor: lane "Space cadets" is not a Six Gates role, so nobody '
                                  'may do the user task "Answer a question"; name the lane after one of: Sponsor, ')
    assert problems[1:] == ['element ask: the user task "Answer a question" uses the form ask.schema.json, which '
                            "was not uploaded"]


def test_invalid_json_schema_is_reported(db, clock):
    problems = refused(db, clock, forms={"ask.schema.json": b'{"type": "nonsense"}'})
    assert problems and "not a valid JSON Schema" in problems[0]


def test_warnings_do_not_block_and_come_back_with_the_deployment(db, clock):
    with_orphan = BPMN.replace(b"</bpmn:process>", b'<bpmn:task id="orphan" /></bpmn:process>')
    deployment = deploy(db, clock, bpmn=with_orphan)
    assert deployment.created and deployment.version.version == 1
    assert [(w.element_id, w.message) for w in deployment.warnings] == [
        ("orphan", "the task cannot be reached from a start event, so it will never run"),
        ("lane_sponsor", 'no active user has the role of lane "Sponsor" yet, so its tasks will wait until someone '
                         "is given that role")]
    version, created = deploy(db, clock, bpmn=with_orphan)
    assert (version.id, created) == (deployment.version.id, False)


def test_a_lane_is_staffed_once_an_active_user_has_its_role(db, clock):
    def staffing():
        with db.reading() as s:
            report = deployments.check_files(s, bpmn=BPMN, dmn={}, forms=FORMS)
        assert report.ok
        return [w.element_id for w in report.warnings]
    assert staffing() == ["lane_sponsor"]
    add_user(db, clock, "sam", "sponsor")
    assert staffing() == []
    with db.engine.begin() as conn:
        conn.execute(update(User).values(active=False))
    assert staffing() == ["lane_sponsor"]


def test_a_refusal_lists_every_finding_with_its_element(db, clock):
    with pytest.raises(DiagramRejected) as caught:
        deploy(db, clock, bpmn=BPMN.replace(b"number &gt; 10", b"${number &gt; 10}"), forms={})
    assert [(f.element_id, f.severity) for f in caught.value.findings] == [
        ("ask", "error"), ("f3", "error"), ("lane_sponsor", "warning")]
    assert caught.value.problems[1].startswith('element f3: the condition "${number > 10}" is written in JUEL')


def test_two_deployments_at_once_get_consecutive_version_numbers(db, clock, six_gates):
    """Both number their version from the same latest one; the second to commit takes the next number."""


    barrier, results, failures = threading.Barrier(2), [], []

    def deploy(lane):
        tree, dmn, forms = six_gates_files()
        move_to_lane(tree, "gate4_mobilisation_approval", lane)
        barrier.wait()
        try:
            results.append(db.writing(lambda s: deployments.deploy_process(
                s, bpmn=etree.tostring(tree), dmn=dmn, forms=forms, actor="otto", clock=clock)).version.version)
        except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
            failures.append(exc)

    threads = [threading.Thread(target=deploy, args=(lane,)) for lane in ("lane_board_chair", "lane_hub_team")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and sorted(results) == [2, 3]
