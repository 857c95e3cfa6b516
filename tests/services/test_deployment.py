"""Deploying a diagram: hostile or broken files are refused with reasons; versions by content hash."""
import pytest
from sqlalchemy import func, select

from engine import repository
from engine.errors import DiagramRejected
from engine.models import AuditEvent, ProcessVersion
from tests.conftest import FIXTURES

BPMN = (FIXTURES / "minimal.bpmn").read_bytes()
FORMS = {"ask.schema.json": (FIXTURES / "ask.schema.json").read_bytes()}


def deploy(db, clock, bpmn=BPMN, forms=FORMS, dmn=None):
    return db.writing(lambda s: repository.deploy_process(s, bpmn=bpmn, dmn=dmn or {}, forms=forms,
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
    assert problems == ["element compute: the script uses 'Import', which diagram code may not use"]


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
