"""The modeller pages through the test client: process owners only, drafts private to their owner,
CSRF on every change, uploads that cannot hurt the server, check and deploy answers, form preview."""
import io
import json
import re

import pytest
from sqlalchemy import func, select

from engine.kernel import task_rules
from engine.repository.file_fields import KINDS
from engine.store.models import ProcessDraft, ProcessVersion
from tests.conftest import FIXTURES, MIWG, add_user
from tests.web.test_login_inbox import csrf_token, login

PASSWORD = "modeller-test-pass"
CORPUS = MIWG
MINIMAL = (FIXTURES / "minimal.bpmn").read_bytes()
ASK = (FIXTURES / "ask.schema.json").read_bytes()


def client_for(app, db, clock, username="otto", *roles):
    add_user(db, clock, username, *(roles or ("process_owner",)), password=PASSWORD)
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def drafts_count(db) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(ProcessDraft))


def upload(client, bpmn=MINIMAL, extra=(("ask.schema.json", ASK),), name="diagram.bpmn"):
    token = csrf_token(client.get("/modeller").data)
    files = [(io.BytesIO(data), filename) for filename, data in extra]
    return client.post("/modeller/upload", data={"csrf_token": token, "bpmn": (io.BytesIO(bpmn), name),
                                                 "extra": files}, content_type="multipart/form-data")


def draft_from(client, version_id) -> int:
    page = client.get(f"/modeller?version={version_id}")
    made = client.post("/modeller/drafts", data={"version_id": version_id, "csrf_token": csrf_token(page.data)})
    assert made.status_code == 302, made.data
    return int(made.location.rstrip("/").split("/")[-1])


def editor_token(client, draft_id) -> str:
    page = client.get(f"/modeller/drafts/{draft_id}")
    assert page.status_code == 200
    return re.search(r'data-csrf="([^"]+)"', page.data.decode()).group(1)


def post_json(client, path, token, body=None):
    return client.post(path, json=body or {}, headers={"X-CSRFToken": token} if token else {})


def test_only_process_owners_reach_the_modeller(app, db, clock, six_gates):
    assert app.test_client().get("/modeller").status_code == 302
    hub = client_for(app, db, clock, "hana", "hub_team")
    assert hub.get("/modeller").status_code == 403
    assert hub.get("/modeller/drafts/1").status_code == 403


def test_the_list_offers_each_version_and_looking_at_one_changes_nothing(app, db, clock, six_gates):
    client = client_for(app, db, clock)
    page = client.get("/modeller").data.decode()
    assert f"/modeller?version={six_gates.id}" in page and 'name="bpmn"' in page and "New draft from the latest" in page
    offer = client.get(f"/modeller?version={six_gates.id}")
    assert offer.status_code == 200 and "Make a new draft from version 1" in offer.data.decode()
    assert drafts_count(db) == 0
    draft_id = draft_from(client, six_gates.id)
    editor = client.get(f"/modeller/drafts/{draft_id}").data.decode()
    assert "vendor/bpmn-js/bpmn-modeler.production.min.js" in editor and "vendor/dmn-js/dmn-modeler" in editor
    data = json.loads(re.search(r'<script type="application/json" id="modeller-data">(.*?)</script>',
                                editor, re.S).group(1))
    assert "evidence_gate.dmn" in data["dmn"] and "submit_eoi.schema.json" in data["forms"]
    # the property panel offers every task property the engine reads, as the engine declares it
    offered = {p["name"]: p for p in data["task_properties"]}
    assert set(offered) == {p.name for p in task_rules.PROPERTIES}
    assert offered["dueIn"]["kind"] == "duration" and offered["notCompletedBy"]["label"] == "Not by whoever did"
    assert "Drafts you already made" in client.get(f"/modeller?version={six_gates.id}").data.decode()
    assert client.get("/modeller?version=999").status_code == 404


def test_saving_needs_the_csrf_token_and_the_download_is_the_saved_diagram(app, db, clock, six_gates):
    client = client_for(app, db, clock)
    draft_id = draft_from(client, six_gates.id)
    token = editor_token(client, draft_id)
    changed = MINIMAL.decode().replace("Answer a question", "Answer the question")
    assert post_json(client, f"/modeller/drafts/{draft_id}/save", None, {"bpmn": changed}).status_code == 400
    saved = post_json(client, f"/modeller/drafts/{draft_id}/save", token,
                      {"bpmn": changed, "forms": {"extra.schema.json": '{"half": '}})
    assert saved.status_code == 200 and "saved_at" in saved.json
    download = client.get(f"/modeller/drafts/{draft_id}/bpmn")
    assert download.data.decode() == changed and "attachment" in download.headers["Content-Disposition"]
    bad = post_json(client, f"/modeller/drafts/{draft_id}/save", token, {"forms": {"../evil.json": "{}"}})
    assert bad.status_code == 400 and "file name" in bad.json["error"]["message"]
    clock.advance(minutes=1)
    again = post_json(client, f"/modeller/drafts/{draft_id}/save", token,
                      {"bpmn": changed, "opened_at": saved.json["saved_at"]})
    assert again.status_code == 200  # this page's own last save: fine
    stale = post_json(client, f"/modeller/drafts/{draft_id}/save", token,
                      {"bpmn": MINIMAL.decode(), "opened_at": saved.json["saved_at"]})  # a tab holding the first
    assert stale.status_code == 409 and "another tab or window" in stale.json["error"]["message"]
    hostile = post_json(client, f"/modeller/drafts/{draft_id}/save", token,
                        {"bpmn": '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'})
    assert hostile.status_code == 400 and "DOCTYPE" in hostile.json["error"]["message"]
    assert client.get(f"/modeller/drafts/{draft_id}/bpmn").data.decode() == changed


def test_another_process_owner_cannot_see_or_change_my_draft(app, db, clock, six_gates):
    mine = client_for(app, db, clock)
    draft_id = draft_from(mine, six_gates.id)
    theirs = client_for(app, db, clock, "olga")
    token = csrf_token(theirs.get("/modeller").data)
    for path in (f"/modeller/drafts/{draft_id}", f"/modeller/drafts/{draft_id}/bpmn",
                 f"/modeller/drafts/{draft_id}/delete"):
        assert theirs.get(path).status_code == 404, path
    for action in ("save", "check", "deploy"):
        assert post_json(theirs, f"/modeller/drafts/{draft_id}/{action}", token).status_code == 404, action
    assert f"/modeller/drafts/{draft_id}" not in theirs.get("/modeller").data.decode()


def test_an_uploaded_diagram_becomes_a_draft_and_unsafe_files_are_refused(app, db, clock):
    client = client_for(app, db, clock)
    made = upload(client)
    assert made.status_code == 302 and "/modeller/drafts/" in made.location
    hostile = MINIMAL.replace(b'<?xml version="1.0" encoding="UTF-8"?>',
                              b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    refused = upload(client, bpmn=hostile)
    assert refused.status_code == 400 and "DOCTYPE" in refused.data.decode()
    not_bpmn = upload(client, bpmn=b"<html><script>alert(1)</script></html>")
    assert not_bpmn.status_code == 400 and "<script>alert" not in not_bpmn.data.decode()
    assert upload(client, extra=(("../../etc/x.json", b"{}"),)).status_code == 302  # the path is dropped
    assert drafts_count(db) == 2


def test_a_refused_deployment_answers_with_findings_and_keeps_the_draft(app, db, clock):
    client = client_for(app, db, clock)
    draft_id = int(upload(client, bpmn=MINIMAL.replace(b"doubled = number * 2", b"import os"))
                   .location.split("/")[-1])
    token = editor_token(client, draft_id)
    before = client.get(f"/modeller/drafts/{draft_id}/bpmn").data
    checked = post_json(client, f"/modeller/drafts/{draft_id}/check", token)
    assert checked.status_code == 200 and not checked.json["ok"]
    assert any(f["element_id"] == "compute" for f in checked.json["findings"])
    refused = post_json(client, f"/modeller/drafts/{draft_id}/deploy", token)
    assert refused.status_code == 422 and refused.json["deployed"] is False
    assert any(f["element_id"] == "compute" for f in refused.json["findings"])
    assert client.get(f"/modeller/drafts/{draft_id}/bpmn").data == before


def test_a_deployed_draft_links_to_the_new_version_and_to_moving_projects(app, db, clock, six_gates):
    client = client_for(app, db, clock)
    draft_id = draft_from(client, six_gates.id)
    token = editor_token(client, draft_id)
    with db.reading() as s:
        bpmn = s.get(ProcessVersion, six_gates.id).bpmn_xml
    post_json(client, f"/modeller/drafts/{draft_id}/save", token,
              {"bpmn": bpmn.replace('name="Six Gates"', 'name="Six Gates (revised)"')})
    deployed = post_json(client, f"/modeller/drafts/{draft_id}/deploy", token)
    assert deployed.status_code == 200 and deployed.json["deployed"], deployed.json
    assert deployed.json["version"]["version"] == 2
    assert deployed.json["version_url"] == f"/processes/{deployed.json['version']['id']}"
    assert deployed.json["migrate_url"] == f"/migrations?from={six_gates.id}"


def test_the_form_preview_is_drawn_with_the_task_page_fields(app, db, clock):
    client = client_for(app, db, clock)
    token = csrf_token(client.get("/modeller").data)
    schema = {"type": "object", "required": ["colour"], "properties": {
        "colour": {"type": "string", "title": "Favourite colour", "enum": ["red", "green"]},
        "notes": {"type": "string", "title": "<b>Notes</b>", "maxLength": 5000}}}
    shown = post_json(client, "/modeller/preview-form", token, {"schema": json.dumps(schema),
                                                                 "ui": '{"ui:order": ["notes", "colour"]}'})
    page = shown.data.decode()
    assert shown.status_code == 200 and "Favourite colour" in page and 'type="radio"' in page
    assert "&lt;b&gt;Notes&lt;/b&gt;" in page and "<textarea" in page and page.index("Notes") < page.index("Favourite")
    half = post_json(client, "/modeller/preview-form", token, {"schema": '{"type": "object", "prop'})
    assert half.status_code == 422 and "not valid JSON yet" in half.data.decode()
    odd = post_json(client, "/modeller/preview-form", token, {"schema": '{"properties": {"x": true}}'})
    assert odd.status_code in (200, 422)
    assert post_json(client, "/modeller/preview-form", None, {"schema": "{}"}).status_code == 400


def test_the_forms_editor_offers_a_file_field_with_each_kind_named_in_words(app, db, clock):
    client = client_for(app, db, clock)
    draft_id = int(upload(client).location.split("/")[-1])
    page = client.get(f"/modeller/drafts/{draft_id}").data.decode()
    assert '<option value="files">Files (upload)</option>' in page
    offered = re.findall(r'id="field-kind-(\w+)" name="field-kind" type="checkbox" value="\w+">\s*'
                         r'<label for="field-kind-\w+">([^<]+)</label>', page)
    assert offered == [(name, kind.label) for name, kind in KINDS.items()]  # the engine's kinds, in its words
    assert '<label class="nhsuk-label" for="field-max-files">Most files</label>' in page
    assert '<label class="nhsuk-label" for="field-max-mb">Largest file (MB)</label>' in page


def test_the_form_preview_draws_a_file_field_with_its_title_and_hint(app, db, clock):
    client = client_for(app, db, clock)
    token = csrf_token(client.get("/modeller").data)
    schema = {"type": "object", "properties": {"signed_agreement": {
        "type": "array", "title": "Signed agreement", "description": "Attach the signed agreement.", "maxItems": 1,
        "x-file": {"kinds": ["pdf", "docx"], "max_mb": 5}}}}
    shown = post_json(client, "/modeller/preview-form", token, {"schema": json.dumps(schema), "ui": "{}"})
    page = shown.data.decode()
    assert shown.status_code == 200 and "Signed agreement" in page and "Attach the signed agreement." in page
    assert len(re.findall(r'<input class="nhsuk-file-upload__input[^>]*type="file"', page)) == 1
    wrong = dict(schema, properties={"signed_agreement": {"type": "string", "x-file": {"kinds": ["exe"]}}})
    refused = post_json(client, "/modeller/preview-form", token, {"schema": json.dumps(wrong), "ui": "{}"})
    assert refused.status_code == 422 and "x-file" in refused.data.decode()


def test_deleting_a_draft_asks_first(app, db, clock):
    client = client_for(app, db, clock)
    draft_id = int(upload(client).location.split("/")[-1])
    confirm = client.get(f"/modeller/drafts/{draft_id}/delete")
    assert confirm.status_code == 200 and "Yes, delete this draft" in confirm.data.decode()
    assert drafts_count(db) == 1
    gone = client.post(f"/modeller/drafts/{draft_id}/delete", data={"csrf_token": csrf_token(confirm.data)})
    assert gone.status_code == 302 and drafts_count(db) == 0


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the MIWG corpus is not at {CORPUS}")
def test_every_miwg_reference_diagram_uploads_as_a_draft(app, db, clock):
    client = client_for(app, db, clock)
    for path in sorted(CORPUS.glob("*.bpmn")):
        made = upload(client, bpmn=path.read_bytes(), extra=(), name=path.name)
        assert made.status_code == 302, (path.name, made.data[:300])
    assert drafts_count(db) == len(list(CORPUS.glob("*.bpmn")))
