"""Documents on the pages: a task form's file field uploads with the form (in the completion's transaction), keeps
its files through a refusal or a draft, refuses a disguised or oversized file in words on the field; documents
download with safe headers, preview only when the browser shows them safely, are 404 to anyone not shown them,
and are listed on the project page; auditors see each download in the project's history."""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
from io import BytesIO

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from engine.store.models import Document, FileContent, Task
from tests.conftest import FIXTURES, add_user, deployed, settings_for
from tests.web.test_login_inbox import csrf_token, login

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 400
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       + b"\x00" * 40)
PASSWORD = "documents-pass"


@pytest.fixture
def project(app, db, clock):
    """A project of the test process with file fields (tests/fixtures/filed), started by sam: its id."""
    from engine.runtime.instances import start_instance
    from engine.store.models import User
    deployed(db, clock, FIXTURES / "filed", FIXTURES / "filed")
    for name in ("sam", "sue"):
        add_user(db, clock, name, "sponsor", password=PASSWORD)
    add_user(db, clock, "aud", "auditor", password=PASSWORD)
    return db.writing(lambda s: start_instance(
        s, user=s.scalars(select(User).where(User.username == "sam")).one(), process_key="filed", clock=clock).id)


def client_of(app, username):
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def task_of(db, instance_id) -> str:
    with db.reading() as s:
        return s.scalars(select(Task.id).where(Task.instance_id == instance_id)).one()


def post(client, task_id, *, files=(), action="submit", **fields):
    """The task form sent as a browser sends it: multipart, each file input a part (an empty one when none)."""
    page = client.get(f"/tasks/{task_id}").data
    data = {"csrf_token": csrf_token(page), "action": action, **fields}
    data["evidence"] = [*(fields.get("evidence") or []), *[(BytesIO(content), name) for name, content in files]] \
        or [(BytesIO(b""), "")]
    return client.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")


def stored(db) -> tuple[int, int]:
    with db.reading() as s:
        return (s.scalar(select(func.count()).select_from(FileContent)),
                s.scalar(select(func.count()).select_from(Document)))


def documents(db) -> list[Document]:
    with db.reading() as s:
        return list(s.scalars(select(Document).order_by(Document.id)))


def text_of(page: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.decode()))


def submitted(app, db, project, files=(("evidence.pdf", PDF),)) -> int:
    """sam completes the task with these files: the first document's id."""
    response = post(client_of(app, "sam"), task_of(db, project), files=files, number="3")
    assert response.status_code == 302, text_of(response.data)
    return documents(db)[0].id


def test_the_file_field_is_an_upload_control_that_says_what_it_takes(app, db, project):
    page = client_of(app, "sam").get(f"/tasks/{task_of(db, project)}").data.decode()
    assert 'enctype="multipart/form-data"' in page
    control = re.search(r'<input[^>]*type="file"[^>]*>', page.replace("\n", " ")).group(0)
    assert 'name="evidence"' in control and 'accept=".pdf,.docx"' in control and "multiple" in control
    assert "PDF or Word document, up to 1 MB each, up to 2 files." in text_of(page.encode())


def test_a_file_sent_with_the_form_is_attached_and_listed_on_the_project_page(app, db, project):
    document_id = submitted(app, db, project)
    with db.reading() as s:
        document = s.get(Document, document_id)
        recorded = json.loads(s.get(Task, document.task_id).data_json)
    assert (document.state, document.name, document.uploaded_by) == ("attached", "evidence.pdf", "sam")
    assert recorded["evidence"][0]["document"] == document_id
    page = client_of(app, "sam").get(f"/projects/{project}").data.decode()
    assert 'id="documents-title">Documents</h2>' in page
    assert f'href="/documents/{document_id}"' in page and f'href="/documents/{document_id}/preview"' in page
    assert "PDF, 1 KB" in text_of(page.encode()) and "Attach the evidence" in text_of(page.encode())


def test_a_program_renamed_pdf_is_refused_on_the_page_and_nothing_is_stored(app, db, project):
    response = post(client_of(app, "sam"), task_of(db, project), files=[("invoice.pdf", PROGRAM)], number="3")
    assert response.status_code == 422
    words = text_of(response.data)
    assert "invoice.pdf is a Windows program, not a PDF or Word document: upload a PDF or Word document." in words
    assert 'href="#f-evidence"' in response.data.decode()  # the error summary leads to the control
    assert stored(db) == (0, 0)


def test_an_oversized_file_is_refused_with_its_size_and_the_limit(app, db, project):
    response = post(client_of(app, "sam"), task_of(db, project), files=[("big.pdf", PDF + b"x" * 2_000_000)],
                    number="3")
    assert response.status_code == 422
    assert "big.pdf is 1.9 MB: files here may be up to 1 MB." in text_of(response.data)
    assert stored(db) == (0, 0)


def test_a_request_larger_than_any_form_may_send_is_answered_with_the_task_page(db, clock, project):
    from web import create_app
    small = create_app(dataclasses.replace(settings_for(db), max_upload_mb=1), clock=clock, testing=True)
    response = post(client_of(small, "sam"), task_of(db, project), files=[("huge.pdf", PDF + b"x" * 10_000_000)],
                    number="3")
    assert response.status_code == 413
    words = text_of(response.data)
    assert "Attach the evidence" in words and "a form can carry up to 9 MB at once. Nothing was saved." in words
    assert stored(db) == (0, 0)


def test_a_refused_submission_keeps_its_file_as_the_draft_and_sending_again_attaches_it(app, db, project):
    client, task_id = client_of(app, "sam"), task_of(db, project)
    refused = post(client, task_id, files=[("evidence.pdf", PDF)], number="lots")
    assert refused.status_code == 422 and "Enter a number" in text_of(refused.data)
    (document,) = documents(db)
    assert document.state == "draft"
    again = client.get(f"/tasks/{task_id}").data.decode()  # leaving and coming back: the file is still there
    assert f'<input type="hidden" name="evidence" value="{document.id}">' in again
    assert f'href="/documents/{document.id}"' in again and "Remove" in again
    assert post(client, task_id, evidence=[str(document.id)], number="3").status_code == 302
    assert [d.state for d in documents(db)] == ["attached"]


def test_a_file_ticked_to_remove_is_not_kept(app, db, project):
    client, task_id = client_of(app, "sam"), task_of(db, project)
    post(client, task_id, files=[("evidence.pdf", PDF)], action="save")
    (document,) = documents(db)
    response = post(client, task_id, evidence=[str(document.id)], **{"evidence-remove": str(document.id)},
                    number="3")
    assert response.status_code == 422 and "Upload evidence" in text_of(response.data)


def test_saving_a_draft_keeps_the_files_sent(app, db, project):
    client, task_id = client_of(app, "sam"), task_of(db, project)
    assert post(client, task_id, files=[("evidence.pdf", PDF)], action="save").status_code == 302
    (document,) = documents(db)
    with db.reading() as s:
        assert json.loads(s.get(Task, task_id).draft_json)["evidence"] == [document.id]
    assert "evidence.pdf" in text_of(client.get(f"/tasks/{task_id}").data)


def test_someone_elses_draft_id_posted_in_a_form_is_neither_named_nor_attached(app, db, project):
    sams = client_of(app, "sam")
    post(sams, task_of(db, project), files=[("secret plan.pdf", PDF)], action="save")
    (draft,) = documents(db)
    # sue cannot even see sam's project; an id of sam's draft in sam's own form is his, so try an unknown one
    response = post(sams, task_of(db, project), evidence=[str(draft.id + 50)], number="3")
    assert response.status_code == 422 and "secret plan" not in text_of(response.data)


def test_a_download_is_an_attachment_of_its_own_type_never_sniffed_or_cached(app, db, project):
    document_id = submitted(app, db, project)
    response = client_of(app, "sam").get(f"/documents/{document_id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        "attachment; filename=\"evidence.pdf\"; filename*=UTF-8''evidence.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    preview = client_of(app, "sam").get(f"/documents/{document_id}/preview")
    assert preview.status_code == 200 and preview.headers["Content-Disposition"].startswith("inline;")


def test_only_pdfs_and_images_preview_and_an_image_preview_is_sandboxed(app, db, project):
    client, task_id = client_of(app, "sam"), task_of(db, project)
    page = client.get(f"/tasks/{task_id}").data
    response = client.post(f"/tasks/{task_id}", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(page), "action": "submit", "number": "3",
        "evidence": [(BytesIO(PDF), "evidence.pdf")],
        "extra": [(BytesIO(PNG), "photo.png"), (BytesIO("Notes, £5 café\n".encode()), "notes.txt")]})
    assert response.status_code == 302, text_of(response.data)
    by_name = {d.name: d.id for d in documents(db)}
    text = client.get(f"/documents/{by_name['notes.txt']}")
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert client.get(f"/documents/{by_name['notes.txt']}/preview").status_code == 404
    image = client.get(f"/documents/{by_name['photo.png']}/preview")
    assert image.status_code == 200 and image.headers["Content-Security-Policy"].startswith("sandbox")
    project_page = client.get(f"/projects/{project}").data.decode()
    assert f"/documents/{by_name['notes.txt']}/preview" not in project_page
    assert f"/documents/{by_name['photo.png']}/preview" in project_page


def test_someone_not_shown_a_document_gets_404_and_sees_no_link(app, db, project):
    document_id = submitted(app, db, project)
    sue = client_of(app, "sue")  # another sponsor: not her project
    assert sue.get(f"/documents/{document_id}").status_code == 404
    assert sue.get(f"/documents/{document_id}/preview").status_code == 404
    assert sue.get(f"/documents/{document_id + 99}").status_code == 404  # the same answer as an unknown id
    assert f"/documents/{document_id}" not in sue.get("/inbox").data.decode()
    assert app.test_client().get(f"/documents/{document_id}").status_code in (302, 401)  # sign-in first


def test_a_draft_is_its_uploaders_alone(app, db, project):
    post(client_of(app, "sam"), task_of(db, project), files=[("evidence.pdf", PDF)], action="save")
    (draft,) = documents(db)
    assert client_of(app, "sam").get(f"/documents/{draft.id}").status_code == 200
    assert client_of(app, "aud").get(f"/documents/{draft.id}").status_code == 404


def test_an_auditor_sees_each_download_in_the_projects_history(app, db, project):
    document_id = submitted(app, db, project)
    auditor = client_of(app, "aud")
    assert auditor.get(f"/documents/{document_id}").status_code == 200
    history = text_of(auditor.get(f"/projects/{project}/history").data)
    assert "Downloaded evidence.pdf" in history
    sams_view = text_of(client_of(app, "sam").get(f"/projects/{project}/history").data)
    assert "Downloaded evidence.pdf" not in sams_view  # who read what is for auditors


def test_the_answers_show_a_file_as_a_link_never_as_its_record(app, db, project):
    document_id = submitted(app, db, project)
    page = client_of(app, "sam").get(f"/projects/{project}").data.decode()
    assert f'<a href="/documents/{document_id}" class="app-file-link">evidence.pdf</a>' in page
    assert "sha256" not in page.lower() and '"document"' not in page


# --- The Six Gates procedure: Gate 4 reads the mobilisation pack; a partner never reads a competitor's evidence ---

@pytest.fixture
def at_gate4_with_documents(db, clock, six_gates):
    """A demo project at Gate 4 whose partners each attached evidence to their EoI and whose mobilisation pack holds
    a signed JWA: (project id, document ids by name, the selected partner's organisation)."""
    from demo import seed
    from demo.documents import DemoFile
    from demo.walker import Walker
    from engine.store.models import ProcessInstance
    from tests.web.conftest import PASSWORD as DEMO_PASSWORD
    for username, _name, roles, org in seed.DEMO_USERS:
        add_user(db, clock, username, *roles, org=org, password=DEMO_PASSWORD)
    walker = Walker(db, clock)
    project = walker.start()
    files = {"submit_eoi": lambda _data, user: {"evidence_files": [
                 DemoFile(f"{user.organisation_name} evidence.pdf", PDF + user.organisation_name.encode())]},
             "prepare_mobilisation": {"joint_working_agreement_document": [DemoFile("JWA signed.pdf", PDF)]}}
    walker.walk(project, seed.happy_path("Documented challenge", "Pathway Delays"),
                stop_at="gate4_mobilisation_approval", files=files)
    with db.reading() as s:
        selected = json.loads(s.get(ProcessInstance, project).data_json)["selected_partners"]
    return project, {d.name: d.id for d in documents(db)}, selected[0]


def test_the_finance_approver_opens_the_signed_jwa_beside_the_gate4_form(app, db, at_gate4_with_documents):
    from tests.web.conftest import signed_in
    project, ids, _selected = at_gate4_with_documents
    with db.reading() as s:
        gate4 = s.scalars(select(Task.id).where(Task.instance_id == project, Task.state == "ready",
                                                Task.bpmn_id == "gate4_mobilisation_approval")).one()
    fran = signed_in(app, "fran.finance")
    page = fran.get(f"/tasks/{gate4}").data.decode()
    decision = page[page.index('class="app-decision"'):page.index('id="form-title"')]
    assert f'<a href="/documents/{ids["JWA signed.pdf"]}" class="app-file-link">JWA signed.pdf</a>' in decision
    download = fran.get(f"/documents/{ids['JWA signed.pdf']}")
    assert download.status_code == 200 and download.data == PDF


def test_a_partner_never_fetches_or_sees_a_competitors_evidence(app, db, at_gate4_with_documents):
    from demo.seed import DATAHEALTH, MEDTECH
    from tests.web.conftest import signed_in
    project, ids, selected = at_gate4_with_documents
    partners = {MEDTECH: "ivy.medtech", DATAHEALTH: "ian.datahealth"}
    for own, username in partners.items():
        client = signed_in(app, username)
        (competitor,) = [org for org in partners if org != own]
        theirs = ids[f"{competitor} evidence.pdf"]
        assert client.get(f"/documents/{theirs}").status_code == 404
        assert client.get(f"/documents/{theirs}/preview").status_code == 404
        with db.reading() as s:
            tasks = list(s.scalars(select(Task.id).where(Task.instance_id == project)))
        pages = [f"/projects/{project}", f"/projects/{project}/history", "/inbox"] + [f"/tasks/{t}" for t in tasks]
        seen = "".join(client.get(path).get_data(as_text=True) for path in pages)
        assert f'/documents/{theirs}"' not in seen and f"{competitor} evidence" not in seen
        mine = ids[f"{own} evidence.pdf"]
        assert client.get(f"/documents/{mine}").status_code == 200  # their own evidence stays theirs to read
        jwa = client.get(f"/documents/{ids['JWA signed.pdf']}").status_code
        assert jwa == (200 if own == selected else 404)  # the mobilisation pack is the selected partner's to read


def test_more_files_than_the_field_takes_are_kept_to_choose_from_with_the_limit_in_words(app, db, project):
    client, task_id = client_of(app, "sam"), task_of(db, project)
    response = post(client, task_id, files=[(f"part {n}.pdf", PDF + bytes([n])) for n in range(3)], number="3")
    assert response.status_code == 422
    assert "Evidence takes up to 2 files: remove one, or upload fewer" in text_of(response.data)
    assert [d.state for d in documents(db)] == ["draft"] * 3  # kept with the draft: the person picks which go
    assert response.data.decode().count('name="evidence-remove"') == 3


def test_a_file_saved_with_a_draft_of_a_project_on_hold_is_refused_on_its_field_and_the_draft_kept(app, db, clock,
                                                                                                     project):
    from engine.runtime.lifecycle import hold
    from engine.store.models import User
    add_user(db, clock, "hana", "hub_team")
    db.writing(lambda s: hold(s, user=s.scalars(select(User).where(User.username == "hana")).one(),
                              instance_id=project, reason="Waiting for the budget", clock=clock))
    client, task_id = client_of(app, "sam"), task_of(db, project)
    response = post(client, task_id, files=[("evidence.pdf", PDF)], action="save", number="7")
    assert response.status_code == 422 and "This project is on hold" in text_of(response.data)
    assert stored(db) == (0, 0)
    with db.reading() as s:
        assert json.loads(s.get(Task, task_id).draft_json) == {"number": 7}


def test_the_are_you_sure_page_carries_the_files_sent_and_yes_attaches_them(app, db, clock, tmp_path):
    """A form whose answer can end the project asks again: the files sent with it are kept meanwhile and go with
    the answers when the person says yes."""
    from engine.runtime.instances import start_instance
    from engine.store.models import User
    from tests.conftest import deploy_directory
    shutil.copy(FIXTURES / "filed" / "filed.bpmn", tmp_path)
    schema = json.loads((FIXTURES / "filed" / "attach.schema.json").read_text())
    schema["properties"]["verdict"] = {"type": "string", "title": "Verdict", "enum": ["go", "stop"],
                                       "x-ends-project": ["stop"]}
    (tmp_path / "attach.schema.json").write_text(json.dumps(schema))
    deploy_directory(db, clock, tmp_path, tmp_path)
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    project = db.writing(lambda s: start_instance(
        s, user=s.scalars(select(User).where(User.username == "sam")).one(), process_key="filed", clock=clock).id)
    client, task_id = client_of(app, "sam"), task_of(db, project)
    asked = post(client, task_id, files=[("evidence.pdf", PDF)], number="3", verdict="stop")
    assert asked.status_code == 200 and "This ends the project. Are you sure?" in text_of(asked.data)
    (document,) = documents(db)
    page = asked.data.decode()
    assert f'<input type="hidden" name="evidence" value="{document.id}">' in page
    kept = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    yes = client.post(f"/tasks/{task_id}", data=MultiDict([*kept, ("confirm", "yes"), ("action", "submit")]))
    assert yes.status_code == 302
    assert [d.state for d in documents(db)] == ["attached"]


def test_a_file_chosen_again_after_a_refusal_is_not_added_twice(app, db, project):
    client, task_id = client_of(app, "sam"), task_of(db, project)
    post(client, task_id, files=[("evidence.pdf", PDF)], number="lots")
    (kept,) = documents(db)
    again = post(client, task_id, evidence=[str(kept.id)], files=[("evidence.pdf", PDF)], number="3")
    assert again.status_code == 302
    assert [(d.id, d.state) for d in documents(db)] == [(kept.id, "attached")]


def test_a_large_form_from_someone_not_signed_in_is_refused_before_it_is_read(app, db, project):
    body = {"action": "submit", "evidence": [(BytesIO(PDF + b"%" * (6 << 20)), "a\x00.pdf")]}
    answer = app.test_client().post(f"/tasks/{task_of(db, project)}", data=body, content_type="multipart/form-data")
    assert answer.status_code == 413  # the app's own limit: not the upload allowance of someone signed in
    assert stored(db) == (0, 0)
