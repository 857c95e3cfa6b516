"""The demo projects carry real documents, attached through the engine's own upload and completion: one-page PDFs
the engine knows as PDFs by their content, each recorded with its hash and read only by those allowed."""
import json
import re

import pytest
from sqlalchemy import select

from demo import seed
from demo.documents import one_page_pdf
from engine.documents.kinds import sniff
from engine.documents.reading import project_documents
from engine.documents.storage import content_of
from engine.identity import accounts
from engine.store.models import Document, ProcessInstance, Task
from tests import snapshots


@pytest.fixture
def demo(db, clock, six_gates):
    snapshots.once("demo_data", db, clock, lambda: len(seed.load(db, clock=clock)))
    return db


def test_a_demo_pdf_is_a_whole_pdf_the_engine_takes_as_one():
    content = one_page_pdf("Joint working agreement (draft)", ["Contributions: £100,000 from the NHS.",
                                                                "Signed for Zoë’s trust ≥ today."])
    assert sniff(content) == "pdf" and content.endswith(b"%%EOF\n")
    table = int(re.search(rb"startxref\n(\d+)\n", content).group(1))
    assert content[table:].startswith(b"xref\n0 7\n")
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n ", content)]
    assert [content[o:].split(b"\n", 1)[0] for o in offsets] == [b"%d 0 obj" % n for n in range(1, 7)]
    length = int(re.search(rb"/Length (\d+) >>\nstream\n", content).group(1))
    stream = content.split(b"stream\n", 1)[1]
    assert stream[length:].startswith(b"\nendstream")
    assert b"(Joint working agreement \\(draft\\)) Tj" in content  # brackets escaped
    assert "£100,000".encode("cp1252") in content and b"Zo\xeb\x92s trust ? today" in content


def attached(db, bpmn_id: str) -> list[tuple[Document, Task, ProcessInstance]]:
    with db.reading() as s:
        return list(s.execute(select(Document, Task, ProcessInstance).join(Task, Task.id == Document.task_id)
                              .join(ProcessInstance, ProcessInstance.id == Document.instance_id)
                              .where(Task.bpmn_id == bpmn_id).order_by(Document.id)).all())


def test_demo_projects_past_gate4_hold_the_signed_agreement_and_dpia_on_the_record(demo):
    found = attached(demo, "prepare_mobilisation")
    fields = {d.field for d, _t, _i in found}
    assert fields == {"joint_working_agreement_document", "dpia_document"}
    for document, task, instance in found:
        assert document.state == "attached" and document.media_type == "application/pdf"
        answers = json.loads(task.data_json)
        assert answers[document.field] == [{"document": document.id, "name": document.name,
                                            "type": "application/pdf", "size": document.size,
                                            "sha256": document.sha256}]
        assert json.loads(instance.data_json)[document.field] == answers[document.field]
        with demo.reading() as s:
            assert sniff(content_of(s, document.sha256)) == "pdf"
    assert any(d.name.startswith("JWA JWA-") and d.name.endswith(" signed.pdf") for d, _t, _i in found)


def test_the_finance_approver_finds_the_mobilisation_documents_at_gate4(demo):
    with demo.reading() as s:
        at_gate4 = s.scalar(select(Task.instance_id).where(Task.bpmn_id == "gate4_mobilisation_approval",
                                                           Task.state == "ready"))
        shown = project_documents(s, user=accounts.require_user(s, "fran.finance"), instance_id=at_gate4)
    assert {d.field for d in shown} >= {"joint_working_agreement_document", "dpia_document"}


def test_each_partner_reads_its_own_eoi_evidence_never_a_competitors_and_the_board_reads_all(demo):
    evidence = attached(demo, "submit_eoi")
    assert evidence and {d.field for d, _t, _i in evidence} == {"evidence_files"}
    instance_id = evidence[0][2].id
    in_project = [d for d, _t, i in evidence if i.id == instance_id]
    assert len(in_project) >= 2
    with demo.reading() as s:
        for document in in_project:
            uploader = accounts.require_user(s, document.uploaded_by)
            assert [d.id for d in project_documents(s, user=uploader, instance_id=instance_id)] == [document.id]
        board = project_documents(s, user=accounts.require_user(s, "bea.board"), instance_id=instance_id)
        assert {d.id for d in board} == {d.id for d in in_project}


def test_later_demo_steps_attach_the_pilot_report_and_the_business_case(demo):
    assert {d.field for d, _t, _i in attached(demo, "report_pilot_outcomes")} == {"pilot_report_document"}
    assert {d.field for d, _t, _i in attached(demo, "prepare_business_case")} == {"business_case_document"}
