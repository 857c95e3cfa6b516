"""Documents over the REST API: uploaded alone or with the answers in one multipart call, checked by their content,
never stored when refused, served as attachments, and never reaching a competitor by any route."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json

import pytest
from sqlalchemy import func, select

from demo import seed
from demo.answers import sample_answers
from engine.identity import tokens
from engine.store.models import Document, FileContent
from tests.api.test_six_gates_api import to_scoring
from tests.conftest import FIXTURES, Api, deployed, settings_for

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OTHER_PDF = PDF.replace(b"Catalog", b"Catalog /Lang (en-GB)")
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 400
MB = 1024 * 1024
NOTES_TEXT = b"Minutes of the call.\n"


@pytest.fixture
def filed(db, clock, api_as):
    """The test process with file fields started by sam: (sam, sue another sponsor, an auditor, the project, the
    task). Its form: `number` (required), `evidence` (PDF or Word, 1 MB each, required, up to 2), `extra`."""
    deployed(db, clock, FIXTURES / "filed", FIXTURES / "filed")
    sam, sue, auditor = api_as("sam", "sponsor"), api_as("sue", "sponsor"), api_as("aud", "auditor")
    project = sam.post("/instances", json={"process": "filed"}).json["id"]
    [task] = sam.tasks()
    return sam, sue, auditor, project, task["id"]


def stored(db) -> tuple[int, int]:
    """(file contents, documents) in the database."""
    with db.reading() as s:
        return (s.scalar(select(func.count()).select_from(FileContent)),
                s.scalar(select(func.count()).select_from(Document)))


def upload(client: Api, task_id: str, content: bytes, name: str = "evidence.pdf", field: str = "evidence"):
    return client.post(f"/tasks/{task_id}/documents", data={"field": field, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def complete_with_files(client: Api, task_id: str, data: dict, **files: list[tuple[bytes, str]]):
    parts = {"data": json.dumps(data)}
    for field, sent in files.items():
        parts[field] = [(io.BytesIO(content), name) for content, name in sent]
    return client.post(f"/tasks/{task_id}/complete", data=parts, content_type="multipart/form-data")


def completed_answers(auditor: Api, project: int) -> dict:
    [event] = [e for e in auditor.get(f"/instances/{project}/events").json["events"] if e["kind"] == "task_completed"]
    return event["data"]


def test_files_sent_with_the_answers_are_uploaded_and_the_task_completed_in_one_call(db, filed):
    sam, _, auditor, project, task_id = filed
    evidence = [(PDF, "Signed JWA.pdf"), (OTHER_PDF, "DPIA.pdf")]
    answer = complete_with_files(sam, task_id, {"number": 3}, evidence=evidence, extra=[(b"notes", "n.txt")])
    assert answer.status_code == 200, answer.json
    assert sam.tasks() == []
    recorded = completed_answers(auditor, project)
    assert [(r["name"], r["type"], r["sha256"]) for r in recorded["evidence"]] == [
        ("Signed JWA.pdf", "application/pdf", hashlib.sha256(PDF).hexdigest()),
        ("DPIA.pdf", "application/pdf", hashlib.sha256(OTHER_PDF).hexdigest())]
    assert recorded["extra"][0]["type"] == "text/plain" and recorded["number"] == 3
    listed = sam.get(f"/instances/{project}/documents").json["documents"]
    assert [(d["name"], d["field"], d["uploaded_by"]) for d in listed] == [
        ("Signed JWA.pdf", "evidence", "sam"), ("DPIA.pdf", "evidence", "sam"), ("n.txt", "extra", "sam")]
    assert {d["task"] for d in listed} == {"Attach the evidence"}
    assert all(d["attached_at"] for d in listed)
    assert auditor.get("/audit/verify").json["ok"] is True


def test_a_file_uploaded_first_is_a_draft_of_its_uploader_until_a_json_completion_names_it(db, filed):
    sam, _, auditor, project, task_id = filed
    answer = upload(sam, task_id, PDF, name="../../Evidence.PDF")
    assert answer.status_code == 201, answer.json
    reference = answer.json
    assert reference == {"document": reference["document"], "name": "Evidence.pdf", "type": "application/pdf",
                         "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}
    assert sam.get(f"/documents/{reference['document']}").data == PDF  # the uploader's own draft
    assert auditor.get(f"/documents/{reference['document']}").status_code == 404  # nobody else's yet
    assert sam.get(f"/instances/{project}/documents").json == {"documents": []}
    done = sam.complete(task_id, {"number": 3, "evidence": [reference["document"]]})
    assert done.status_code == 200, done.json
    assert completed_answers(auditor, project)["evidence"] == [reference]
    assert auditor.get(f"/documents/{reference['document']}").data == PDF


def test_a_program_renamed_pdf_is_422_with_the_fields_message_and_nothing_is_stored(db, filed):
    sam, _, _, _, task_id = filed
    alone = upload(sam, task_id, PROGRAM, name="invoice.pdf")
    assert alone.status_code == 422
    assert "Windows program" in alone.json["error"]["fields"]["evidence"]
    with_answers = complete_with_files(sam, task_id, {"number": 3}, evidence=[(PROGRAM, "invoice.pdf")])
    assert with_answers.status_code == 422 and "Windows program" in with_answers.json["error"]["fields"]["evidence"]
    assert stored(db) == (0, 0)
    assert [t["id"] for t in sam.tasks()] == [task_id]


def test_every_refused_file_of_a_submission_is_named_in_one_answer(db, filed):
    sam, _, _, _, task_id = filed
    answer = complete_with_files(sam, task_id, {"number": 3}, evidence=[(PROGRAM, "a.pdf")],
                                 extra=[(PDF, "b.png")], nonsense=[(PDF, "c.pdf")])
    assert answer.status_code == 422
    assert set(answer.json["error"]["fields"]) == {"evidence", "extra", "nonsense"}
    assert stored(db) == (0, 0)


def test_files_are_not_kept_when_the_answers_beside_them_are_refused(db, filed):
    sam, _, _, _, task_id = filed
    answer = complete_with_files(sam, task_id, {"number": "three"}, evidence=[(PDF, "JWA.pdf")])
    assert answer.status_code == 422 and "number" in answer.json["error"]["fields"]
    assert stored(db) == (0, 0)
    assert [t["id"] for t in sam.tasks()] == [task_id]


def test_an_oversized_file_is_413_with_the_limit_in_words_and_nothing_is_stored(db, filed):
    sam, _, _, _, task_id = filed
    big = PDF + b"%" * (2 * MB)  # the form takes 1 MB each
    alone = upload(sam, task_id, big)
    assert alone.status_code == 413 and "up to 1 MB" in alone.json["error"]["fields"]["evidence"]
    with_answers = complete_with_files(sam, task_id, {"number": 3}, evidence=[(big, "big.pdf")])
    assert with_answers.status_code == 413 and "up to 1 MB" in with_answers.json["error"]["fields"]["evidence"]
    assert stored(db) == (0, 0)


def test_a_request_larger_than_the_server_takes_is_413_in_the_apis_error_shape(db, clock, filed):
    from web import create_app
    _, _, _, _, task_id = filed
    app = create_app(dataclasses.replace(settings_for(db), max_upload_mb=1), clock=clock, testing=True)
    token = db.writing(lambda s: tokens.create_token(s, username="sam", actor="test", clock=clock))
    sam = Api(app, token)
    huge = PDF + b"%" * (10 * MB)  # more than 8 files of 1 MB and the answers
    for answer in (upload(sam, task_id, huge), complete_with_files(sam, task_id, {"number": 3},
                                                                   evidence=[(huge, "huge.pdf")])):
        assert answer.status_code == 413
        assert answer.json["error"]["code"] == "too_large" and "9 MB" in answer.json["error"]["message"]
    json_body = sam.complete(task_id, {"number": 3, "note": "x" * (5 * MB)})  # JSON keeps the app's 4 MB
    assert json_body.status_code == 413
    assert stored(db) == (0, 0)


def test_a_multipart_submission_without_readable_answers_is_400(db, filed):
    sam, _, _, _, task_id = filed
    for parts in ({"evidence": (io.BytesIO(PDF), "a.pdf")}, {"data": "{not json"}, {"data": "[1]"},
                  {"data": "{}", "evidence": "17"}, {"data": '{"number": NaN}'}):
        answer = sam.post(f"/tasks/{task_id}/complete", data=parts, content_type="multipart/form-data")
        assert answer.status_code == 400, (parts, answer.json)
    assert stored(db) == (0, 0)


def test_a_download_is_an_attachment_of_its_own_type_never_sniffed_nor_kept(db, filed):
    sam, _, auditor, project, task_id = filed
    complete_with_files(sam, task_id, {"number": 3}, evidence=[(PDF, "Résumé (étude).pdf")],
                        extra=[("Café notes".encode(), "notes.txt")])
    pdf, text = sam.get(f"/instances/{project}/documents").json["documents"]
    answer = auditor.get(f"/documents/{pdf['id']}")
    assert answer.status_code == 200 and answer.data == PDF
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"] == (
        "attachment; filename=\"Resume (etude).pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28%C3%A9tude%29.pdf")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in answer.headers["Cache-Control"]
    plain = auditor.get(f"/documents/{text['id']}")
    assert plain.headers["Content-Type"] == "text/plain; charset=utf-8" and plain.data == "Café notes".encode()


def test_another_sponsor_gets_404_for_a_document_by_id_and_for_the_projects_list(db, filed):
    sam, sue, _, project, task_id = filed
    complete_with_files(sam, task_id, {"number": 3}, evidence=[(PDF, "JWA.pdf")])
    [document] = sam.get(f"/instances/{project}/documents").json["documents"]
    unknown = sue.get("/documents/999999")
    for answer in (sue.get(f"/documents/{document['id']}"), unknown, sue.get(f"/instances/{project}/documents")):
        assert answer.status_code == 404
    assert sue.get(f"/documents/{document['id']}").json == unknown.json  # an id guessed tells nothing


# --- the Six Gates procedure: two partners' EoI evidence -------------------------------------------------------------

@pytest.fixture
def team(api_as, six_gates):
    return {username: api_as(username, *roles, org=org) for username, _, roles, org in seed.DEMO_USERS}


def submit_eoi_with(client: Api, content: bytes, name: str) -> None:
    [task] = [t for t in client.tasks() if t["name"] == "submit_eoi"]
    form = client.get(f"/tasks/{task['id']}").json["form"]
    assert "x-file" in form["properties"]["evidence_files"]
    answer = complete_with_files(client, task["id"], sample_answers(form), evidence_files=[(content, name)])
    assert answer.status_code == 200, answer.json


def everything_shown(client: Api, project: int) -> str:
    """Every API answer about the project this client may have, as one text."""
    answers = [client.get(f"/instances/{project}"), client.get(f"/instances/{project}/events"),
               client.get(f"/instances/{project}/documents"), client.get("/tasks")]
    answers += [client.get(f"/tasks/{t['id']}") for t in client.tasks()]
    return "\n".join(a.get_data(as_text=True) for a in answers)


def test_a_partner_never_reaches_a_competitors_eoi_evidence_by_any_api_route(team):
    project = to_scoring(team)
    ivy, ian, bea, auditor = team["ivy.medtech"], team["ian.datahealth"], team["bea.board"], team["aud.auditor"]
    ivy_task = next(t for t in ivy.tasks() if t["name"] == "submit_eoi")
    submit_eoi_with(ivy, PDF, "LungPath trial results.pdf")
    submit_eoi_with(ian, OTHER_PDF, "ReferralAI evaluation.pdf")
    documents = {d["name"]: d for d in auditor.get(f"/instances/{project}/documents").json["documents"]}
    ivys, ians = documents["LungPath trial results.pdf"], documents["ReferralAI evaluation.pdf"]

    assert ian.get(f"/documents/{ivys['id']}").status_code == 404
    assert ian.get(f"/tasks/{ivy_task['id']}").status_code == 404
    assert [d["name"] for d in ian.get(f"/instances/{project}/documents").json["documents"]] == [
        "ReferralAI evaluation.pdf"]
    shown_to_ian = everything_shown(ian, project)
    assert ivys["sha256"] not in shown_to_ian and "LungPath trial results" not in shown_to_ian
    assert ians["sha256"] in shown_to_ian  # the test would see a leak: ian's own evidence is shown to him
    assert ian.get(f"/documents/{ians['id']}").data == OTHER_PDF
    assert ivy.get(f"/documents/{ians['id']}").status_code == 404

    # The board scores both EoIs, so reads both pieces of evidence.
    assert bea.get(f"/documents/{ivys['id']}").data == PDF and bea.get(f"/documents/{ians['id']}").data == OTHER_PDF
    assert auditor.get("/audit/verify").json["ok"] is True


def test_each_answer_is_one_the_openapi_document_describes(db, filed):
    from jsonschema import validate
    sam, _, auditor, project, task_id = filed
    paths = sam.client.get("/api/v1/openapi.json").json["paths"]
    uploaded = upload(sam, task_id, PDF)
    upload_op = paths["/tasks/{task_id}/documents"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    validate(uploaded.json, upload_op["responses"]["201"]["content"]["application/json"]["schema"])
    complete_op = paths["/tasks/{task_id}/complete"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(complete_op)
    complete_with_files(sam, task_id, {"number": 3, "evidence": [uploaded.json["document"]]},
                        extra=[(NOTES_TEXT, "n.txt")])
    listed = auditor.get(f"/instances/{project}/documents").json
    validate(listed, paths["/instances/{instance_id}/documents"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"])
    served = paths["/documents/{document_id}"]["get"]["responses"]["200"]["content"]
    for document in listed["documents"]:
        answer = auditor.get(f"/documents/{document['id']}")
        assert answer.mimetype in served and answer.mimetype == document["type"]


def test_files_sent_are_added_to_the_ids_the_answers_already_name(db, filed):
    sam, _, auditor, project, task_id = filed
    earlier = upload(sam, task_id, PDF, name="First.pdf").json
    answer = complete_with_files(sam, task_id, {"number": 3, "evidence": [earlier["document"]]},
                                 evidence=[(OTHER_PDF, "Second.pdf")])
    assert answer.status_code == 200, answer.json
    assert [r["name"] for r in completed_answers(auditor, project)["evidence"]] == ["First.pdf", "Second.pdf"]
    too_many = sam.post("/instances", json={"process": "filed"}).json["id"]
    [task] = [t for t in sam.tasks() if t["instance_id"] == too_many]
    three = [(PDF + bytes([n]), f"{n}.pdf") for n in range(3)]  # the same file twice is added once: three others
    refused = complete_with_files(sam, task["id"], {"number": 3}, evidence=three)  # 2 at most
    assert refused.status_code == 422 and "evidence" in refused.json["error"]["fields"]
    assert stored(db) == (2, 2)  # the three refused files were never kept
