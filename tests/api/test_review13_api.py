"""Hostile review of issue 13 over the REST API (documents and discussion), as a competitor, another project's
sponsor, a board member off this board and a stolen account of each would try it. Tests marked xfail(strict) are
holes the review found (described in /work/notes/review13.md); the rest are attacks refused today, kept refused."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from engine.identity import tokens
from engine.store.models import Document, FileContent
from tests.api import test_documents_api as documents_api
from tests.api.test_documents_api import PDF, stored, submit_eoi_with, upload
from tests.api.test_six_gates_api import to_scoring
from tests.conftest import Api
from tests.services import test_discussion as discussion
from tests.web import test_documents_pages as documents_pages

# The fixtures: the test process with file fields, the demo people, a project past Gate 2, one at Gate 4 with files.
filed, team, codesign = documents_api.filed, documents_api.team, discussion.codesign
at_gate4_with_documents = documents_pages.at_gate4_with_documents

IVY_PDF, IAN_PDF = PDF + b"% LungPath\n", PDF + b"% ReferralAI\n"


@pytest.fixture
def eois(team):
    """Both partners submitted an EoI with evidence: (project, team, ivy's document, ian's document)."""
    project = to_scoring(team)
    submit_eoi_with(team["ivy.medtech"], IVY_PDF, "LungPath trial results.pdf")
    submit_eoi_with(team["ian.datahealth"], IAN_PDF, "ReferralAI evaluation.pdf")
    listed = team["aud.auditor"].get(f"/instances/{project}/documents").json["documents"]
    documents = {d["name"]: d for d in listed}
    return project, team, documents["LungPath trial results.pdf"], documents["ReferralAI evaluation.pdf"]


def as_user(app, db, clock, username: str) -> Api:
    token = db.writing(lambda s: tokens.create_token(s, username=username, actor="test", clock=clock))
    return Api(app, token)


def eoi_task(client: Api) -> dict:
    return next(t for t in client.tasks() if t["name"] == "submit_eoi")


# --- forging references ---------------------------------------------------------------------------------------------

def test_a_competitor_cannot_attach_another_partners_evidence_by_id_or_by_its_reference(eois):
    project, team, ivys, _ = eois
    ian = team["ian.datahealth"]
    to_scoring(team)  # a second project: ian holds a fresh EoI task there
    task = eoi_task(ian)
    form = ian.get(f"/tasks/{task['id']}").json["form"]
    from demo.answers import sample_answers
    answers = sample_answers(form)
    reference = {"document": ivys["id"], "name": ivys["name"], "type": ivys["type"], "size": ivys["size"],
                 "sha256": ivys["sha256"]}
    for given in ([ivys["id"]], [reference]):
        refused = ian.complete(task["id"], {**answers, "evidence_files": given})
        assert refused.status_code == 422 and "evidence_files" in refused.json["error"]["fields"]
    assert ian.get(f"/documents/{ivys['id']}").status_code == 404


def test_a_reference_forged_inside_another_answer_is_refused_however_deep(filed):
    sam, _, _, _, task_id = filed
    mine = upload(sam, task_id, PDF).json
    forged = {"document": mine["document"], "sha256": mine["sha256"]}
    for where in ({"number": 3, "evidence": [mine["document"]], "extra": [{"nested": forged}]},
                  {"number": 3, "evidence": [mine["document"]], "note": {"a": [forged]}}):
        answer = sam.complete(task_id, where)
        assert answer.status_code == 422, (where, answer.json)


def test_a_draft_naming_a_competitors_evidence_reveals_nothing_and_grants_nothing(eois):
    project, team, ivys, _ = eois
    ian = team["ian.datahealth"]
    to_scoring(team)
    task = eoi_task(ian)
    forged = {"document": ivys["id"], "name": "x.pdf", "type": "application/pdf", "size": 1, "sha256": ivys["sha256"]}
    saved = ian.client.put(f"/api/v1/tasks/{task['id']}/draft", headers=ian.headers,
                           json={"data": {"evidence_files": [forged], "solution_name": forged}})
    assert saved.status_code == 200
    assert ian.get(f"/documents/{ivys['id']}").status_code == 404
    assert "LungPath" not in ian.get(f"/tasks/{task['id']}").get_data(as_text=True)


def test_only_the_board_scoring_them_and_those_running_the_call_open_the_eoi_evidence(eois, api_as):
    project, team, ivys, ians = eois
    off_board = api_as("bob.board", "board_member")  # a board member, not on this project's board
    for username in ("sam.sponsor", "fran.finance", "cleo.clinical", "otto.owner", "ada.admin"):
        for document in (ivys, ians):
            assert team[username].get(f"/documents/{document['id']}").status_code == 404, username
    assert all(off_board.get(f"/documents/{d['id']}").status_code == 404 for d in (ivys, ians))
    assert off_board.get(f"/instances/{project}/documents").json in ({"documents": []}, None)
    for username in ("bea.board", "hana.hub", "cara.chair", "aud.auditor"):
        assert [team[username].get(f"/documents/{d['id']}").status_code for d in (ivys, ians)] == [200, 200]


# --- uploading where one may not ------------------------------------------------------------------------------------

def test_nobody_uploads_to_a_competitors_eoi_task_or_a_task_not_theirs(db, eois):
    project, team, _, _ = eois
    ian, hana, sam = team["ian.datahealth"], team["hana.hub"], team["sam.sponsor"]
    to_scoring(team)
    ivys_task = eoi_task(team["ivy.medtech"])
    before = stored(db)
    assert upload(ian, ivys_task["id"], PDF, field="evidence_files").status_code == 404
    assert upload(sam, ivys_task["id"], PDF, field="evidence_files").status_code in (403, 404)
    assert upload(hana, ivys_task["id"], PDF, field="evidence_files").status_code == 403
    assert stored(db) == before


def test_uploading_to_a_completed_task_or_a_project_on_hold_is_409_and_keeps_nothing(db, filed, api_as):
    sam, _, _, project, task_id = filed
    assert sam.complete(task_id, {"number": 3, "evidence": [upload(sam, task_id, PDF).json["document"]]}
                        ).status_code == 200
    before = stored(db)
    assert upload(sam, task_id, PDF + b"%2").status_code == 409
    assert stored(db) == before
    other = sam.post("/instances", json={"process": "filed"}).json["id"]
    [task] = [t for t in sam.tasks() if t["instance_id"] == other]
    hub = api_as("hub", "hub_team")
    assert hub.post(f"/instances/{other}/hold", json={"reason": "Waiting for the trust"}).status_code == 200
    assert upload(sam, task["id"], PDF + b"%3").status_code == 409
    assert stored(db) == before


def test_an_id_guessed_past_every_document_and_a_draft_of_someone_elses_are_the_same_404(db, filed, api_as):
    sam, sue, _, _, task_id = filed
    draft = upload(sam, task_id, PDF).json["document"]
    hub = api_as("hub2", "hub_team")
    answers = [hub.get(f"/documents/{draft}"), sue.get(f"/documents/{draft}"), sue.get("/documents/2147483647"),
               sue.get("/documents/99999999999999999999")]
    assert [a.status_code for a in answers] == [404] * 4
    assert answers[0].json == answers[2].json


# --- who is named ---------------------------------------------------------------------------------------------------

def test_a_partner_is_not_told_the_usernames_of_the_hub_people_who_uploaded_documents(app, db, clock,
                                                                                        at_gate4_with_documents):
    project, ids, selected = at_gate4_with_documents
    from demo.seed import DATAHEALTH, MEDTECH
    partner = {MEDTECH: "ivy.medtech", DATAHEALTH: "ian.datahealth"}[selected]
    ivy = as_user(app, db, clock, partner)
    listed = ivy.get(f"/instances/{project}/documents").json["documents"]
    jwa = next(d for d in listed if d["name"] == "JWA signed.pdf")
    with db.reading() as s:
        uploader = s.get(Document, ids["JWA signed.pdf"]).uploaded_by
    events = ivy.get(f"/instances/{project}/events").get_data(as_text=True)
    assert uploader not in events  # the record itself names the Hub's people to a partner as "someone else"
    assert jwa["uploaded_by"] != uploader


# --- sizes ----------------------------------------------------------------------------------------------------------

def test_a_field_that_takes_two_files_does_not_keep_dozens_of_drafts(db, filed):
    sam, _, _, _, task_id = filed
    accepted = [upload(sam, task_id, PDF + f"% {i}\n".encode(), name=f"{i}.pdf").status_code for i in range(25)]
    with db.reading() as s:
        kept = s.scalar(select(func.count()).select_from(Document).where(Document.state == "draft"))
        contents = s.scalar(select(func.count()).select_from(FileContent))
    assert accepted.count(201) <= 10 and kept <= 10 and contents <= 10


def test_a_json_completion_over_four_megabytes_is_still_413(db, filed):
    sam, _, _, _, task_id = filed
    answer = sam.post(f"/tasks/{task_id}/complete", data=json.dumps({"data": {"number": 1, "x": "y" * (5 << 20)}}),
                      content_type="application/json")
    assert answer.status_code == 413
    assert stored(db) == (0, 0)


def test_a_multipart_upload_with_its_answers_part_over_four_megabytes_is_refused(db, filed):
    sam, _, _, _, task_id = filed
    parts = {"data": json.dumps({"number": 1, "x": "y" * (5 << 20)}), "evidence": (io.BytesIO(PDF), "a.pdf")}
    answer = sam.post(f"/tasks/{task_id}/complete", data=parts, content_type="multipart/form-data")
    assert answer.status_code == 413
    assert stored(db) == (0, 0)


def test_a_completion_naming_tens_of_thousands_of_files_is_refused_at_once_on_its_field(db, filed):
    import time
    sam, _, _, _, task_id = filed
    started = time.monotonic()
    answer = sam.complete(task_id, {"number": 3, "evidence": list(range(1, 35_001))})
    assert answer.status_code == 422 and "evidence" in answer.json["error"]["fields"]
    assert time.monotonic() - started < 1.5


# --- names and headers ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ['evil"; filename=x.html', "../../../etc/passwd.pdf", "report\u202efdp.exe",
                                  "<img src=x onerror=alert(1)>.pdf", "a\tb\x7fc\u200b.pdf"])
def test_a_hostile_file_name_is_kept_and_served_under_a_safe_one(db, filed, name):
    sam, _, _, _, task_id = filed
    reference = upload(sam, task_id, PDF, name=name).json
    kept = reference["name"]
    assert kept.endswith(".pdf") and not set(kept) & set('/\\<>"\';\t\x7f\u202e\u200b')
    answer = sam.get(f"/documents/{reference['document']}")
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.count('"') == 2 and disposition.endswith(".pdf")
    assert answer.headers["Content-Type"] == "application/pdf" and answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_nul_in_a_file_name_is_refused_at_the_door(db, filed):
    sam, _, _, _, task_id = filed
    assert upload(sam, task_id, PDF, name="nul\x00byte.pdf").status_code == 400
    assert stored(db) == (0, 0)


def test_a_very_long_name_is_cut_to_120_characters_keeping_its_kind(db, filed):
    sam, _, _, _, task_id = filed
    reference = upload(sam, task_id, PDF, name="a" * 5000 + ".pdf").json
    assert len(reference["name"]) == 120 and reference["name"].endswith(".pdf")


@pytest.mark.parametrize("content, name", [
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "picture.png"),
    (b"<html><script>alert(1)</script></html>", "page.pdf"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "tool.pdf"),
    (b"PK\x03\x04" + b"\x00" * 200, "archive.docx"),
])
def test_content_that_is_not_a_kind_the_field_takes_is_refused_whatever_its_name(db, filed, content, name):
    sam, _, _, _, task_id = filed
    assert upload(sam, task_id, content, name=name).status_code == 422
    assert stored(db) == (0, 0)


def test_html_in_a_text_field_is_served_as_plain_text_to_download_never_as_a_page(db, filed):
    sam, _, auditor, _, task_id = filed
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    reference = upload(sam, task_id, html, name="notes.html", field="extra").json
    assert reference["type"] == "text/plain" and reference["name"].endswith(".txt")
    answer = sam.get(f"/documents/{reference['document']}")
    assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


# --- discussion -----------------------------------------------------------------------------------------------------

def test_a_competitor_cannot_post_to_another_partners_organisation_audience_nor_read_it(eois):
    project, team, _, _ = eois
    from demo.seed import DATAHEALTH, MEDTECH
    hana, ian, ivy = team["hana.hub"], team["ian.datahealth"], team["ivy.medtech"]
    posted = hana.post(f"/instances/{project}/comments", json={
        "body": "Ivy: your pricing looks high", "visibility": "organisation", "organisation": MEDTECH})
    assert posted.status_code == 201
    forged = ian.post(f"/instances/{project}/comments", json={
        "body": "pretending", "visibility": "organisation", "organisation": MEDTECH})
    assert forged.status_code == 422
    for client in (ian,):
        seen = "".join(client.get(path).get_data(as_text=True) for path in (
            f"/instances/{project}/comments", f"/instances/{project}/events", f"/instances/{project}",
            "/notifications", "/me/projects"))
        assert "pricing looks high" not in seen
    assert "pricing looks high" in ivy.get(f"/instances/{project}/comments").get_data(as_text=True)
    assert DATAHEALTH  # both organisations were invited


def test_nobody_corrects_someone_elses_comment(eois):
    project, team, _, _ = eois
    hana, hugo = team["hana.hub"], team["hugo.hub"]
    first = hana.post(f"/instances/{project}/comments", json={"body": "The call closes Friday",
                                                              "visibility": "internal"}).json
    forged = hugo.post(f"/instances/{project}/comments", json={"body": "The call is cancelled",
                                                               "visibility": "internal", "supersedes": first["id"]})
    assert forged.status_code == 422
    assert [c["superseded_by"] for c in hana.get(f"/instances/{project}/comments").json["comments"]] == [None]


def test_another_projects_sponsor_gets_404_for_its_comments_and_a_post(eois, api_as):
    project, _, _, _ = eois
    stranger = api_as("sid", "sponsor")
    unknown = stranger.get("/instances/999999/comments")
    for answer in (stranger.get(f"/instances/{project}/comments"),
                   stranger.post(f"/instances/{project}/comments", json={"body": "hello", "visibility": "project"})):
        assert answer.status_code == 404 and answer.json == unknown.json


def test_mentions_do_not_tell_a_partner_which_usernames_exist(eois):
    project, team, _, _ = eois
    ian = team["ian.datahealth"]
    answers = [ian.post(f"/instances/{project}/comments", json={"body": f"@{name} hello", "visibility": "organisation",
                                                                "organisation": "DataHealth Analytics plc"})
               for name in ("hana.hub", "nobody.at.all", "ivy.medtech")]
    assert [a.status_code for a in answers] == [422, 422, 422]
    messages = [a.json["error"]["fields"]["body"].split(" cannot read")[1] for a in answers]
    assert len(set(messages)) == 1


def test_a_board_member_employed_by_a_partner_never_reads_internal_notes_in_the_events(app, db, clock, codesign):
    hana, bill = as_user(app, db, clock, "hana.hub"), as_user(app, db, clock, "bill.board")
    assert hana.post(f"/instances/{codesign}/comments", json={
        "body": "Internal: MedTech's price is negotiable", "visibility": "internal"}).status_code == 201
    # bill sits on this board (he scored the EoIs) and is employed by MedTech, a partner of this project
    assert "negotiable" not in bill.get(f"/instances/{codesign}/comments").get_data(as_text=True)
    events = bill.get(f"/instances/{codesign}/events")
    assert events.status_code == 200 and "negotiable" not in events.get_data(as_text=True)


def test_an_internal_note_reaches_no_partner_by_any_api_route(eois):
    project, team, _, _ = eois
    hana = team["hana.hub"]
    hana.post(f"/instances/{project}/comments", json={"body": "Internal: shortlist leaning DataHealth @hugo.hub",
                                                      "visibility": "internal"})
    for username in ("ivy.medtech", "ian.datahealth", "sam.sponsor"):
        client = team[username]
        seen = "".join(client.get(path).get_data(as_text=True) for path in (
            f"/instances/{project}/comments", f"/instances/{project}/events", f"/instances/{project}",
            "/notifications", "/me/projects", "/tasks", f"/instances/{project}/documents"))
        seen += "".join(client.get(f"/tasks/{t['id']}").get_data(as_text=True) for t in client.tasks())
        assert "shortlist leaning" not in seen, username


def test_task_ids_leak_nothing_when_a_comment_is_posted_beside_a_competitors_task(eois):
    project, team, _, _ = eois
    ian, hana = team["ian.datahealth"], team["hana.hub"]
    with_ivy = hana.post(f"/instances/{project}/comments", json={"body": "About LungPath", "visibility": "project"})
    assert with_ivy.status_code == 201
    ivys_task = hana.get(f"/instances/{project}/events").json["events"]
    ivy_task_ids = {e.get("task_id") for e in ivys_task if e["kind"] == "task_completed" and e.get("task_id")}
    for task_id in ivy_task_ids:
        answer = ian.post(f"/instances/{project}/comments", json={"body": "x", "visibility": "organisation",
                                                                  "organisation": "DataHealth Analytics plc",
                                                                  "task_id": task_id})
        assert answer.status_code in (201, 422)
        if answer.status_code == 422:
            assert answer.json["error"]["fields"] == {"task_id": "No such task in this project."}


# --- a board member scoring in another's place ----------------------------------------------------------------------

def test_a_board_member_scoring_in_a_members_place_opens_the_evidence_the_task_shows(eois, api_as):
    project, team, ivys, ians = eois
    bob = api_as("bob.board", "board_member")  # not on this project's board
    hana, bea = team["hana.hub"], team["bea.board"]
    [scoring] = [t for t in bea.tasks() if t["instance_id"] == project]
    given = hana.post(f"/tasks/{scoring['id']}/reassign", json={"to": "bob.board", "reason": "Bea is on leave"})
    assert given.status_code == 200, given.json
    shown = bob.get(f"/tasks/{scoring['id']}")
    assert shown.status_code == 200 and ivys["sha256"] in shown.get_data(as_text=True)  # the evidence is linked
    assert bob.get(f"/documents/{ivys['id']}").status_code == 200
    assert bob.get(f"/documents/{ians['id']}").status_code == 200


# --- before signing in ----------------------------------------------------------------------------------------------

def test_an_upload_from_nobody_is_refused_before_its_body_is_read(app, db, filed):
    body = {"field": "evidence", "file": (io.BytesIO(PDF + b"%" * (6 << 20)), "a\x00.pdf")}
    answer = app.test_client().post("/api/v1/tasks/anything/documents", data=body, content_type="multipart/form-data")
    # 400 "NUL character" would show the body was parsed for a caller who never said who they are
    assert answer.status_code == 401
