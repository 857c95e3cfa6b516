"""For auditors on the command line: a project's documents as a zip with a manifest of hashes, refused whole when a
stored file no longer matches its hash; and the audit export listing each project's documents and comments."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from cli.commands import main
from engine.store.models import AuditEvent, Comment
from tests.api.test_documents_api import OTHER_PDF, PDF, complete_with_files, upload
from tests.conftest import FIXTURES, deployed

NOTES = "Café notes\n".encode()


def run(db, *args):
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": db.url})


@pytest.fixture
def attached(db, clock, api_as):
    """A project of the test process whose task was completed with two evidence PDFs of the same name and a text
    file, beside a draft uploaded and never attached: (project id, the auditor's API client)."""
    deployed(db, clock, FIXTURES / "filed", FIXTURES / "filed")
    sam, auditor = api_as("sam", "sponsor"), api_as("aud", "auditor")
    project = sam.post("/instances", json={"process": "filed"}).json["id"]
    [task] = sam.tasks()
    assert upload(sam, task["id"], OTHER_PDF, name="never sent.pdf").status_code == 201
    answer = complete_with_files(sam, task["id"], {"number": 3}, evidence=[(PDF, "JWA.pdf"), (OTHER_PDF, "JWA.pdf")],
                                 extra=[(NOTES, "notes.txt")])
    assert answer.status_code == 200, answer.json
    return project, auditor


def test_audit_documents_writes_every_attached_document_under_its_task_with_a_manifest_of_hashes(db, attached,
                                                                                                 tmp_path):
    project, _ = attached
    out = tmp_path / "documents.zip"
    result = run(db, "audit", "documents", "--instance", str(project), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote 3 document(s) and manifest.json to {out}"
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["Attach the evidence/JWA (2).pdf", "Attach the evidence/JWA.pdf",
                                              "Attach the evidence/notes.txt", "manifest.json"]
        manifest = json.loads(archive.read("manifest.json"))
        contents = {entry["path"]: archive.read(entry["path"]) for entry in manifest["documents"]}
    assert manifest["project"]["id"] == project
    entries = manifest["documents"]
    assert [(e["name"], e["field"], e["task"], e["uploaded_by"]) for e in entries] == [
        ("JWA.pdf", "evidence", "Attach the evidence", "sam"), ("JWA.pdf", "evidence", "Attach the evidence", "sam"),
        ("notes.txt", "extra", "Attach the evidence", "sam")]
    assert all(e["attached_at"] and e["type"] and e["id"] for e in entries)
    for entry in entries:
        content = contents[entry["path"]]
        assert hashlib.sha256(content).hexdigest() == entry["sha256"] and len(content) == entry["size"]
    assert contents["Attach the evidence/notes.txt"] == NOTES
    with db.reading() as s:  # each document's download is on the record
        downloads = s.scalars(select(AuditEvent).where(AuditEvent.kind == "document_downloaded")).all()
    assert sorted(json.loads(e.data_json)["document"] for e in downloads) == sorted(e["id"] for e in entries)
    assert {e.actor for e in downloads} == {"cli"}


def test_a_document_whose_stored_bytes_changed_stops_the_archive_with_a_message_and_nothing_written(db, attached,
                                                                                                   tmp_path):
    project, _ = attached
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE file_contents SET content = :c WHERE sha256 = :h"),
                           {"c": NOTES.replace(b"notes", b"NOTES"), "h": hashlib.sha256(NOTES).hexdigest()})
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "documents.zip"
    result = run(db, "audit", "documents", "--instance", str(project), "--out", str(out))
    assert result.exit_code == 1
    assert "notes.txt" in result.output and "no longer match the hash" in result.output
    assert list(out.parent.iterdir()) == []  # not even a partial file
    with db.reading() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.kind == "document_downloaded")).all() == []


def test_audit_documents_of_an_unknown_project_exits_1_and_the_help_names_the_command(db, tmp_path):
    result = run(db, "audit", "documents", "--instance", "999", "--out", str(tmp_path / "x.zip"))
    assert result.exit_code == 1 and "No project 999" in result.output
    helped = run(db, "audit", "--help")
    assert "sixgates audit documents --instance ID --out FILE.zip" in helped.output
    assert "manifest.json" in run(db, "audit", "documents", "--help").output


def add_comments(db, clock, project: int) -> tuple[int, int]:
    """An internal note and its correction, as the discussion keeps them."""
    def work(session):
        note = Comment(instance_id=project, author="aud", at=clock.now(), body="=Check the JWA signature date.",
                       visibility="internal", mentions="|sam|")
        session.add(note)
        session.flush()
        fixed = Comment(instance_id=project, author="aud", at=clock.now(), body="Check the DPIA date instead.",
                        visibility="internal", supersedes_id=note.id)
        session.add(fixed)
        session.flush()
        return note.id, fixed.id
    return db.writing(work)


def test_the_audit_export_lists_each_projects_documents_and_comments_in_csv_and_json(db, clock, attached, tmp_path):
    project, _ = attached
    note, fixed = add_comments(db, clock, project)
    result = run(db, "audit", "export", "--format", "json", "--instance", str(project), "-o", str(tmp_path / "h.json"))
    assert result.exit_code == 0, result.output
    assert "3 document(s) and 2 comment(s)" in result.output
    rows = json.loads((tmp_path / "h.json").read_text())
    kinds = [r["kind"] for r in rows]
    assert kinds[-5:] == ["document", "document", "document", "comment", "comment"]
    assert "document" not in kinds[:-5] and "comment" not in kinds[:-5]
    documents, comments = rows[-5:-2], rows[-2:]
    assert [(d["data"]["name"], d["data"]["sha256"], d["actor"], d["task"]) for d in documents] == [
        ("JWA.pdf", hashlib.sha256(PDF).hexdigest(), "sam", "ask"),
        ("JWA.pdf", hashlib.sha256(OTHER_PDF).hexdigest(), "sam", "ask"),
        ("notes.txt", hashlib.sha256(NOTES).hexdigest(), "sam", "ask")]
    assert "never sent.pdf" not in json.dumps(rows)  # a draft never attached is no part of the record
    assert [(c["data"]["comment"], c["actor"], c["data"]["visibility"], c["data"]["supersedes"], c["data"]["body"])
            for c in comments] == [(note, "aud", "internal", None, "=Check the JWA signature date."),
                                   (fixed, "aud", "internal", note, "Check the DPIA date instead.")]
    assert comments[0]["data"]["mentions"] == ["sam"] and comments[0]["seq"] is None

    assert run(db, "audit", "export", "--format", "csv", "-o", str(tmp_path / "h.csv")).exit_code == 0
    table = list(csv.DictReader(io.StringIO((tmp_path / "h.csv").read_text())))
    as_json = [r for r in rows if r["kind"] in ("document", "comment")]
    in_csv = [r for r in table if r["kind"] in ("document", "comment")]
    assert [json.loads(r["data"]) for r in in_csv] == [r["data"] for r in as_json]
    assert {r["seq"] for r in in_csv} == {""}

    xes = run(db, "audit", "export", "--format", "xes", "-o", str(tmp_path / "h.xes"))
    assert xes.exit_code == 0 and "comment" not in xes.output  # the process-mining log holds tasks only


def test_an_archive_that_cannot_be_written_there_exits_1_with_the_reason(db, attached, tmp_path):
    project, _ = attached
    result = run(db, "audit", "documents", "--instance", str(project), "--out", str(tmp_path / "no" / "such.zip"))
    assert result.exit_code == 1 and "cannot write" in result.output
