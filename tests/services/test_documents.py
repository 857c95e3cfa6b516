"""Files in task forms: checked by their content, stored once by hash in the same transaction as the task that
attaches them, read only by those shown them, and proven unchanged by verification."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select, text

from engine.documents.kinds import UploadLimits
from engine.documents.reading import DOWNLOAD_KIND, open_document, project_documents
from engine.errors import NotFound, TooLarge, ValidationFailed
from engine.history.verification import check_records
from engine.runtime.instances import start_instance
from engine.store.models import AuditEvent, Document, FileContent, ProcessInstance, Task, User
from engine.tasks.completion import complete_task
from engine.tasks.uploads import upload_document
from tests.conftest import FIXTURES, add_user, deployed

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 400
LIMITS = UploadLimits(max_bytes=5 * 1024 * 1024)


@pytest.fixture
def project(db, clock):
    deployed(db, clock, FIXTURES / "filed", FIXTURES / "filed")
    for name in ("sam", "sue"):
        add_user(db, clock, name, "sponsor")
    add_user(db, clock, "aud", "auditor")
    return db.writing(lambda s: start_instance(s, user=_user(s, "sam"), process_key="filed", clock=clock).id)


def _user(session, username: str) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


def _task(db, instance_id: int) -> str:
    with db.reading() as s:
        return s.scalars(select(Task.id).where(Task.instance_id == instance_id, Task.state == "ready")).one()


def upload(db, clock, task_id, content=PDF, *, name="evidence.pdf", field="evidence", who="sam", limits=LIMITS):
    return db.writing(lambda s: upload_document(s, user=_user(s, who), task_id=task_id, field=field, name=name,
                                                content=content, limits=limits, clock=clock).id)


def complete(db, clock, task_id, data, who="sam"):
    return db.writing(lambda s: complete_task(s, user=_user(s, who), task_id=task_id, data=data, clock=clock))


def stored(db) -> tuple[int, int]:
    with db.reading() as s:
        return (s.scalar(select(func.count()).select_from(FileContent)),
                s.scalar(select(func.count()).select_from(Document)))


def test_a_file_attached_on_completion_is_recorded_with_its_hash(db, clock, project):
    task_id = _task(db, project)
    document_id = upload(db, clock, task_id, name="../Signed JWA.PDF")
    complete(db, clock, task_id, {"number": 3, "evidence": [document_id]})
    with db.reading() as s:
        document = s.get(Document, document_id)
        assert (document.state, document.name, document.media_type) == ("attached", "Signed JWA.pdf",
                                                                         "application/pdf")
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "task_completed")).one()
        assert hashlib.sha256(PDF).hexdigest() in event.data_json
        recorded = s.get(Task, task_id).data_json
        assert '"sha256"' in recorded and '"Signed JWA.pdf"' in recorded
    with db.reading() as s:
        assert check_records(s).problems == []


def test_a_program_renamed_pdf_is_refused_by_its_content_and_nothing_is_stored(db, clock, project):
    with pytest.raises(ValidationFailed) as refused:
        upload(db, clock, _task(db, project), PROGRAM, name="invoice.pdf")
    assert "Windows program" in refused.value.fields["evidence"]
    assert stored(db) == (0, 0)


def test_an_oversized_file_is_refused_with_its_size_and_the_limit(db, clock, project):
    with pytest.raises(TooLarge) as refused:
        upload(db, clock, _task(db, project), PDF + b"x" * 2_000_000)  # the form allows 1 MB
    assert "up to 1 MB" in refused.value.fields["evidence"]
    assert stored(db) == (0, 0)
    with pytest.raises(TooLarge):  # the server's own limit holds whatever the form allows
        upload(db, clock, _task(db, project), b"y" * 3000, name="a.txt", field="extra",
               limits=UploadLimits(max_bytes=2000))


def test_a_required_file_field_must_hold_a_file(db, clock, project):
    with pytest.raises(ValidationFailed) as refused:
        complete(db, clock, _task(db, project), {"number": 3, "evidence": []})
    assert "evidence" in refused.value.fields


def test_nobody_attaches_someone_elses_draft(db, clock, project):
    task_id = _task(db, project)
    theirs = upload(db, clock, task_id)
    with db.reading() as s:  # a draft of sam's, on sam's task: not sue's to give anywhere
        assert s.get(Document, theirs).uploaded_by == "sam"
    with pytest.raises(ValidationFailed) as refused:
        complete(db, clock, task_id, {"number": 3, "evidence": [theirs + 1000]})
    assert "upload it again" in refused.value.fields["evidence"]


def test_a_forged_reference_outside_a_file_field_is_refused(db, clock, project):
    task_id = _task(db, project)
    document_id = upload(db, clock, task_id)
    forged = {"document": document_id, "sha256": "0" * 64}
    with pytest.raises(ValidationFailed) as refused:
        complete(db, clock, task_id, {"number": 3, "evidence": [document_id], "extra": [forged, 99]})
    assert refused.value.fields["extra"]


def test_the_same_bytes_are_stored_once(db, clock, project):
    task_id = _task(db, project)
    upload(db, clock, task_id)
    upload(db, clock, task_id, name="again.pdf")
    assert stored(db) == (1, 2)


def test_only_those_shown_a_document_may_open_it_and_each_download_is_recorded(db, clock, project):
    task_id = _task(db, project)
    document_id = upload(db, clock, task_id)
    with pytest.raises(NotFound):  # a draft is its uploader's alone
        db.writing(lambda s: open_document(s, user=_user(s, "aud"), document_id=document_id, clock=clock))
    complete(db, clock, task_id, {"number": 3, "evidence": [document_id]})
    document, content = db.writing(lambda s: open_document(s, user=_user(s, "aud"), document_id=document_id,
                                                           clock=clock))
    assert content == PDF
    with pytest.raises(NotFound):  # another sponsor does not see this project at all
        db.writing(lambda s: open_document(s, user=_user(s, "sue"), document_id=document_id, clock=clock))
    with pytest.raises(NotFound):
        db.writing(lambda s: open_document(s, user=_user(s, "sue"), document_id=document_id + 7, clock=clock))
    with db.reading() as s:
        downloads = s.scalars(select(AuditEvent).where(AuditEvent.kind == DOWNLOAD_KIND)).all()
        assert [e.actor for e in downloads] == ["aud"]
        listed = project_documents(s, user=_user(s, "sam"), instance_id=project)
        assert [d.name for d in listed] == ["evidence.pdf"]


def test_verification_finds_a_file_whose_stored_bytes_were_altered(db, clock, project):
    task_id = _task(db, project)
    document_id = upload(db, clock, task_id)
    complete(db, clock, task_id, {"number": 3, "evidence": [document_id]})
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE file_contents SET content = :c"), {"c": PDF.replace(b"Catalog", b"Catalag")})
    with db.reading() as s:
        problems = check_records(s).problems
        assert s.get(ProcessInstance, project).id == project
    assert [p.check for p in problems] == ["document"]
    assert "evidence.pdf" in problems[0].reason


def test_verification_finds_a_document_record_changed_or_removed(db, clock, project):
    task_id = _task(db, project)
    document_id = upload(db, clock, task_id)
    complete(db, clock, task_id, {"number": 3, "evidence": [document_id]})
    other = hashlib.sha256(b"other").hexdigest()
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO file_contents (sha256, size, content) VALUES (:h, 5, :c)"),
                           {"h": other, "c": b"other"})
        connection.execute(text("UPDATE documents SET sha256 = :h"), {"h": other})
    with db.reading() as s:
        problems = check_records(s).problems
    assert problems and problems[0].check == "document"


def test_a_file_sent_again_with_a_form_is_kept_once_and_refusals_name_their_field(db, clock, project):
    from engine.tasks.uploads import add_uploads
    task_id = _task(db, project)

    def send(data, files):
        return db.writing(lambda s: add_uploads(s, user=_user(s, "sam"), task_id=task_id, data=data, files=files,
                                                limits=LIMITS, clock=clock))
    data, refused = send({"number": 3}, {"evidence": [("a.pdf", PDF), ("again.pdf", PDF)]})
    assert refused == [] and len(data["evidence"]) == 1
    data, refused = send(data, {"evidence": [("a.pdf", PDF), ("b.pdf", PROGRAM)]})  # chosen again after a refusal
    assert len(data["evidence"]) == 1 and [field for field, _ in refused] == ["evidence"]
    assert stored(db) == (1, 1)


def test_drafts_the_answers_no_longer_name_are_discarded_with_their_content(db, clock, project):
    from engine.tasks.claims import save_draft
    task_id = _task(db, project)
    kept, dropped = upload(db, clock, task_id), upload(db, clock, task_id, PDF + b"% another\n", name="b.pdf")
    db.writing(lambda s: save_draft(s, user=_user(s, "sam"), task_id=task_id, data={"evidence": [kept]}, clock=clock))
    assert stored(db) == (1, 1)  # the file removed from the draft is gone, its bytes too
    with db.reading() as s:
        assert s.get(Document, dropped) is None and s.get(Document, kept) is not None
    upload(db, clock, task_id, PDF + b"% third\n", name="c.pdf")  # chosen, then not submitted
    complete(db, clock, task_id, {"number": 3, "evidence": [kept]})
    with db.reading() as s:
        assert [(d.id, d.state) for d in s.scalars(select(Document))] == [(kept, "attached")]
    assert stored(db) == (1, 1)


def test_listing_a_projects_documents_and_comments_never_reads_file_contents(db, clock, project):
    from sqlalchemy import event

    from engine.discussion.reading import thread_of
    task_id = _task(db, project)
    complete(db, clock, task_id, {"number": 3, "evidence": [upload(db, clock, task_id)]})
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.reading() as s:
            assert len(project_documents(s, user=_user(s, "sam"), instance_id=project)) == 1
            thread_of(s, user=_user(s, "sam"), instance_id=project)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert statements and not any("file_contents" in s for s in statements)


@pytest.mark.parametrize("answers", [{"evidence": [False, True, 2**40, -1, "x", None]},
                                     {"evidence": [{"document": True, "sha256": "x"}]}])
def test_a_draft_with_odd_values_in_a_file_field_is_saved_and_names_no_file(db, clock, project, answers):
    from engine.tasks.claims import save_draft
    task_id = _task(db, project)
    upload(db, clock, task_id)
    db.writing(lambda s: save_draft(s, user=_user(s, "sam"), task_id=task_id, data=answers, clock=clock))
    assert stored(db) == (0, 0)  # the draft names no file: the one uploaded is dropped, and nothing failed
