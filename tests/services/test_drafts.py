"""Modeller drafts: a process owner's alone, never lost on a refused deployment, unsafe uploads refused."""
import json

import pytest
from sqlalchemy import func, select

from engine.errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge
from engine.repository import drafts
from engine.store.models import ProcessDraft, ProcessVersion, User
from tests.conftest import FIXTURES, add_user

BPMN = (FIXTURES / "minimal.bpmn").read_bytes()
FORM = (FIXTURES / "ask.schema.json").read_bytes()


@pytest.fixture
def owners(db, clock):
    return {name: add_user(db, clock, name, *roles) for name, roles in
            {"otto": ["process_owner"], "olga": ["process_owner"], "hana": ["hub_team"]}.items()}


def as_user(db, username, work):
    def run(session):
        user = session.scalars(select(User).where(User.username == username)).one()
        return work(session, user)
    return db.writing(run)


def upload(db, clock, username="otto", bpmn=BPMN, forms=None):
    forms = {"ask.schema.json": FORM} if forms is None else forms
    return as_user(db, username, lambda s, u: drafts.draft_from_upload(s, user=u, bpmn=bpmn, forms=forms,
                                                                       clock=clock).id)


def test_a_draft_is_private_to_its_owner(db, clock, owners):
    draft_id = upload(db, clock)
    assert as_user(db, "otto", lambda s, u: drafts.get_draft(s, user=u, draft_id=draft_id).title) == "Minimal"
    with pytest.raises(NotFound):
        as_user(db, "olga", lambda s, u: drafts.get_draft(s, user=u, draft_id=draft_id))
    with pytest.raises(NotFound):
        as_user(db, "olga", lambda s, u: drafts.save_draft(s, user=u, draft_id=draft_id, bpmn="<x/>", clock=clock))
    assert as_user(db, "olga", lambda s, u: drafts.list_drafts(s, user=u)) == []
    assert [d.id for d in as_user(db, "otto", lambda s, u: drafts.list_drafts(s, user=u))] == [draft_id]


def test_people_who_are_not_process_owners_are_refused(db, clock, owners, six_gates):
    with pytest.raises(Forbidden):
        upload(db, clock, "hana")
    with pytest.raises(Forbidden):
        as_user(db, "hana", lambda s, u: drafts.draft_from_version(s, user=u, version_id=six_gates.id, clock=clock))
    with pytest.raises(Forbidden):
        as_user(db, "hana", lambda s, u: drafts.list_drafts(s, user=u))


def test_a_draft_from_a_version_copies_its_files(db, clock, owners, six_gates):
    draft_id = as_user(db, "otto", lambda s, u: drafts.draft_from_version(
        s, user=u, version_id=six_gates.id, clock=clock).id)
    with db.reading() as s:
        draft, version = s.get(ProcessDraft, draft_id), s.get(ProcessVersion, six_gates.id)
        assert draft.bpmn_xml == version.bpmn_xml and draft.base_version_id == version.id
        assert json.loads(draft.dmn_json) == json.loads(version.dmn_json)
        forms = {k: json.loads(v) for k, v in json.loads(draft.forms_json).items()}
        assert forms == json.loads(version.forms_json)


def test_saving_keeps_half_typed_forms_and_removes_forms_by_name(db, clock, owners):
    draft_id = upload(db, clock)
    half = '{"type": "object", "properties": {"x": '
    as_user(db, "otto", lambda s, u: drafts.save_draft(s, user=u, draft_id=draft_id, clock=clock,
                                                       forms={"new.schema.json": half}))
    with db.reading() as s:
        assert json.loads(s.get(ProcessDraft, draft_id).forms_json)["new.schema.json"] == half
    as_user(db, "otto", lambda s, u: drafts.save_draft(s, user=u, draft_id=draft_id, clock=clock,
                                                       removed_forms=["new.schema.json"]))
    with db.reading() as s:
        assert list(json.loads(s.get(ProcessDraft, draft_id).forms_json)) == ["ask.schema.json"]
    for bad in ("../x.json", "a/b.json", "x.py", ".hidden.json"):
        with pytest.raises(BadRequest):
            as_user(db, "otto", lambda s, u, bad=bad: drafts.save_draft(s, user=u, draft_id=draft_id,
                                                                        clock=clock, forms={bad: "{}"}))


def test_a_refused_deployment_keeps_the_draft_byte_for_byte_and_stores_the_findings(db, clock, owners):
    broken = BPMN.replace(b"doubled = number * 2", b"import os")
    draft_id = upload(db, clock, bpmn=broken)
    with db.reading() as s:
        before = s.get(ProcessDraft, draft_id)
        before = (before.bpmn_xml, before.dmn_json, before.forms_json, before.updated_at)
    outcome = as_user(db, "otto", lambda s, u: drafts.deploy_draft(s, user=u, draft_id=draft_id, clock=clock))
    assert outcome.version is None
    assert any(f["element_id"] == "compute" and "uses imports" in f["message"] for f in outcome.findings)
    with db.reading() as s:
        after = s.get(ProcessDraft, draft_id)
        assert (after.bpmn_xml, after.dmn_json, after.forms_json, after.updated_at) == before
        assert after.deployed_version_id is None
        assert json.loads(after.last_check_json)["findings"] == outcome.findings
        assert s.scalar(select(func.count()).select_from(ProcessVersion)) == 0


def test_a_successful_deployment_creates_a_version_recorded_on_the_draft(db, clock, owners):
    draft_id = upload(db, clock)
    outcome = as_user(db, "otto", lambda s, u: drafts.deploy_draft(s, user=u, draft_id=draft_id, clock=clock))
    assert outcome.version is not None and outcome.created and outcome.findings == []
    with db.reading() as s:
        version = s.scalars(select(ProcessVersion)).one()
        assert version.key == "minimal" and version.deployed_by == "otto"
        assert s.get(ProcessDraft, draft_id).deployed_version_id == version.id


def test_checking_a_draft_stores_its_findings(db, clock, owners):
    draft_id = upload(db, clock, forms={})
    findings = as_user(db, "otto", lambda s, u: drafts.check_draft(s, user=u, draft_id=draft_id, clock=clock))
    assert any(f["element_id"] == "ask" and f["severity"] == "error" for f in findings)
    with db.reading() as s:
        assert json.loads(s.get(ProcessDraft, draft_id).last_check_json)["findings"] == findings


@pytest.mark.parametrize("hostile, reason", [
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>', BadRequest),
    (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>', BadRequest),
    (b"<definitions><unclosed></definitions>", BadRequest),
    (b"<html><body>not a diagram</body></html>", BadRequest),
    (b"\xff\xfe not text", BadRequest),
    (b"<definitions>" + b" " * (3 * 1024 * 1024) + b"</definitions>", TooLarge),
])
def test_unsafe_or_broken_uploads_are_refused_and_nothing_is_stored(db, clock, owners, hostile, reason):
    with pytest.raises(reason):
        upload(db, clock, bpmn=hostile)
    with pytest.raises(BadRequest, match="DOCTYPE"):
        as_user(db, "otto", lambda s, u: drafts.draft_from_upload(
            s, user=u, bpmn=BPMN, dmn={"t.dmn": b'<!DOCTYPE x [<!ENTITY y "z">]><x/>'}, clock=clock))
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(ProcessDraft)) == 0


def test_deleting_a_draft_is_for_its_owner_only(db, clock, owners):
    draft_id = upload(db, clock)
    with pytest.raises(NotFound):
        as_user(db, "olga", lambda s, u: drafts.delete_draft(s, user=u, draft_id=draft_id))
    as_user(db, "otto", lambda s, u: drafts.delete_draft(s, user=u, draft_id=draft_id))
    with db.reading() as s:
        assert s.get(ProcessDraft, draft_id) is None


def test_a_diagram_in_another_encoding_is_kept_as_utf8_text(db, clock, owners):
    latin = BPMN.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"').replace(b"Answer a question",
                                                                             "Répondre".encode("latin-1"))
    draft_id = upload(db, clock, bpmn=latin)
    with db.reading() as s:
        text = s.get(ProcessDraft, draft_id).bpmn_xml
    assert "Répondre" in text and 'encoding="UTF-8"' in text and "ISO-8859-1" not in text


def test_deploying_an_unchanged_copy_of_a_version_gives_that_version_back(db, clock, owners, six_gates):
    draft_id = as_user(db, "otto", lambda s, u: drafts.draft_from_version(s, user=u, version_id=six_gates.id,
                                                                          clock=clock).id)
    outcome = as_user(db, "otto", lambda s, u: drafts.deploy_draft(s, user=u, draft_id=draft_id, clock=clock))
    assert outcome.version.id == six_gates.id and not outcome.created
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(ProcessVersion)) == 1


def test_a_save_from_a_page_opened_before_another_save_is_refused_and_changes_nothing(db, clock, owners):
    draft_id = upload(db, clock)
    opened = as_user(db, "otto", lambda s, u: drafts.saved_at(drafts.get_draft(s, user=u, draft_id=draft_id)))
    clock.advance(minutes=5)
    as_user(db, "otto", lambda s, u: drafts.save_draft(s, user=u, draft_id=draft_id, clock=clock, opened_at=opened,
                                                       title="Saved in the first tab"))
    with pytest.raises(Conflict, match="saved from another tab or window"):
        as_user(db, "otto", lambda s, u: drafts.save_draft(s, user=u, draft_id=draft_id, clock=clock,
                                                           opened_at=opened, title="Saved in the second tab"))
    with db.reading() as s:
        assert s.get(ProcessDraft, draft_id).title == "Saved in the first tab"
