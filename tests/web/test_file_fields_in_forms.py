"""The Six Gates forms take the documents each gate decides on as file fields, optional so that answers in JSON
alone still complete every task; each document is read by whoever reads the answers it belongs with, and the
gate deciding on it leads with it."""
import json
import re

import pytest
from sqlalchemy import select

from demo import seed
from demo.answers import sample_answers
from demo.documents import DemoFile, one_page_pdf
from demo.seed import DATAHEALTH, MEDTECH
from engine.policy.visibility import PARTNERS, SELECTED, SPONSOR, Reader
from engine.repository.checks import check_diagram
from engine.repository.deployments import read_directory
from engine.repository.forms import schema_problem
from engine.store.models import Document, Task
from engine.tasks.decisions import decides_on
from tests.conftest import ROOT
from tests.web import test_task_pages as pages
from tests.web.test_task_page_decision import decision
from tests.web.test_task_pages import post_task, signed_in, text

walker = pages.walker  # the fixture: the demo people, and a walker
FORMS = ROOT / "forms"
PDF_WORD = ["pdf", "docx"]
# (form, field, title, kinds, most files)
DOCUMENTS = [
    ("submit_eoi", "evidence_files", "Supporting evidence", ["pdf", "docx", "xlsx", "pptx", "png", "jpeg"], 5),
    ("draft_specification", "specification_document", "Specification document", PDF_WORD, 1),
    ("prepare_mobilisation", "joint_working_agreement_document", "Signed joint working agreement", PDF_WORD, 1),
    ("prepare_mobilisation", "dpia_document", "Data protection impact assessment (DPIA)", PDF_WORD, 1),
    ("prepare_mobilisation", "dsa_document", "Data-sharing agreement", PDF_WORD, 1),
    ("prepare_mobilisation", "mobilisation_pack_files", "Other mobilisation documents",
     ["pdf", "docx", "xlsx", "pptx"], 5),
    ("report_pilot_outcomes", "pilot_report_document", "Final pilot report", PDF_WORD, 1),
    ("prepare_business_case", "business_case_document", "Business case document (five-case model)",
     ["pdf", "docx", "xlsx"], 3),
]
DOCUMENT = {"document": 17, "name": "JWA signed.pdf", "type": "application/pdf", "size": 1234, "sha256": "a" * 64}


def form(name: str, part: str = "schema") -> dict:
    return json.loads((FORMS / f"{name}.{part}.json").read_text())


def file_fields_of(schema: dict) -> dict[str, dict]:
    return {k: v for k, v in schema["properties"].items() if isinstance(v, dict) and "x-file" in v}


@pytest.mark.parametrize("name, key, title, kinds, most", DOCUMENTS, ids=[d[1] for d in DOCUMENTS])
def test_each_document_a_gate_decides_on_is_a_file_field_of_its_form(name, key, title, kinds, most):
    schema = form(name)
    field = schema["properties"][key]
    assert field["type"] == "array" and field["title"] == title and field["maxItems"] == most
    assert field["x-file"]["kinds"] == kinds
    assert field["description"] and "PDF" not in field["description"]  # what to attach; the page adds the kinds
    assert key in form(name, "uischema")["ui:order"]
    assert schema_problem(schema) is None


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.schema.json")), ids=lambda p: p.name.split(".")[0])
def test_no_six_gates_form_requires_a_file_so_answers_in_json_alone_still_complete_it(path):
    schema = json.loads(path.read_text())
    assert not set(file_fields_of(schema)) & set(schema.get("required", []))


def test_demo_and_benchmark_answers_leave_file_fields_unanswered():
    answers = sample_answers(form("prepare_mobilisation"))
    assert answers["resourcing"] and not set(file_fields_of(form("prepare_mobilisation"))) & set(answers)


def partner(org: str, *audiences: str) -> Reader:
    return Reader(f"someone@{org}", org, "outside", frozenset({PARTNERS, *audiences}))


SPONSOR_READER = Reader("sam.sponsor", None, "outside", frozenset({SPONSOR}))
STAFF = Reader("fin.finance", None, "staff", frozenset(), selected=frozenset({MEDTECH}))
SHARED_WITH_THE_SELECTED_PARTNER = ["specification_document", "joint_working_agreement_document", "dpia_document",
                                    "dsa_document", "mobilisation_pack_files", "pilot_report_document"]


def test_only_the_selected_partner_reads_the_specification_mobilisation_and_pilot_documents():
    data = {key: [DOCUMENT] for key in SHARED_WITH_THE_SELECTED_PARTNER}
    assert partner(MEDTECH, SELECTED).data(data) == data
    assert partner(DATAHEALTH).data(data) == {}  # invited, not selected
    assert SPONSOR_READER.data(data) == {}
    assert STAFF.data(data) == data


def test_the_business_case_document_stays_inside_the_hub():
    data = {"business_case_document": [DOCUMENT]}
    assert partner(MEDTECH, SELECTED).data(data) == {} and SPONSOR_READER.data(data) == {}
    assert STAFF.data(data) == data


def test_a_partners_eoi_evidence_reaches_its_own_organisation_and_never_a_competitor():
    medtech_eoi = Task(id="t1", organisations=f"|{MEDTECH}|", stage="match")
    submitted = {"kind": "task_completed", "actor": "ivy.medtech",
                 "data": {"solution_name": "M", "evidence_files": [DOCUMENT]}}
    assert partner(MEDTECH).event(submitted, task=medtech_eoi) == submitted
    assert partner(DATAHEALTH).event(submitted, task=medtech_eoi)["data"] == {}  # a step of the call, no answers
    assert "evidence_files" not in SPONSOR_READER.data(submitted["data"])


BPMN, DMN, FORM_FILES = read_directory(ROOT / "processes", ROOT / "forms")
CONTACT = b'"contact_email": contact_email,'


def test_a_script_that_copies_eoi_evidence_where_the_selected_partner_reads_it_is_refused():
    assert CONTACT in BPMN
    laundered = CONTACT + b'\n}\nspecification_document = evidence_files\neoi = {"partner": partner,'
    found = check_diagram(BPMN.replace(CONTACT, laundered, 1), DMN, FORM_FILES).errors
    assert [f.element_id for f in found] == ["record_eoi"]
    assert "evidence_files" in found[0].message and "specification_document" in found[0].message


@pytest.mark.parametrize("task, documents", [
    ("gate3_hub_signoff", ["specification_document"]),
    ("gate3_clinical_signoff", ["specification_document"]),
    ("gate4_mobilisation_approval", ["joint_working_agreement_document", "dpia_document", "dsa_document",
                                     "mobilisation_pack_files"]),
    ("gate5_evidence_gate", ["pilot_report_document"]),
    ("gate6_dmbc", ["business_case_document"]),
])
def test_each_gate_leads_with_the_documents_it_decides_on(task, documents):
    context = {key: [DOCUMENT] for key in documents} | {"total_budget": 250000, "objectives": "Faster referrals"}
    assert set(documents) <= set(decides_on(task, context))


def test_gate4_shows_each_signed_document_beside_the_answer_that_says_it_is_signed():
    context = {key: True for key in ("joint_working_agreement", "dpia_in_place", "dsa_signed")}
    context |= {key: [DOCUMENT] for key in ("joint_working_agreement_document", "dpia_document", "dsa_document")}
    assert decides_on("gate4_mobilisation_approval", context) == [
        "joint_working_agreement", "joint_working_agreement_document", "dpia_in_place", "dpia_document",
        "dsa_signed", "dsa_document"]


def test_documents_not_attached_are_not_led_with():
    assert "pilot_report_document" not in decides_on("gate5_evidence_gate", {"final_report_summary": "Done"})


def pdf(name: str) -> list[DemoFile]:
    return [DemoFile(name, one_page_pdf(name, ["A document for the test."]))]


def walked_to(walker, bpmn_id: str, files: dict) -> str:
    """The task's id, its project walked there on the happy path with these files attached on the way."""
    instance_id = walker.start()
    walker.walk(instance_id, seed.happy_path("Faster lung referrals", "Pathway Delays"), stop_at=bpmn_id, files=files)
    return next(t.id for t in walker.open_tasks(instance_id) if t.bpmn_id == bpmn_id)


def test_the_finance_approver_opens_gate4_with_the_signed_agreement_and_dpia_beside_the_pack(app, walker):
    task_id = walked_to(walker, "gate4_mobilisation_approval", {"prepare_mobilisation": {
        "joint_working_agreement_document": pdf("JWA signed.pdf"), "dpia_document": pdf("DPIA approved.pdf")}})
    client = signed_in(app, "fran.finance")
    lead = decision(text(client.get(f"/tasks/{task_id}")))
    assert (lead.index("A written joint working agreement is in place") < lead.index("Signed joint working agreement")
            < lead.index("JWA signed.pdf") < lead.index("Data protection impact assessment (DPIA)")
            < lead.index("DPIA approved.pdf"))
    link = re.search(r'<a href="([^"]+)" class="app-file-link">JWA signed.pdf</a>', lead).group(1)
    opened = client.get(link)
    assert opened.status_code == 200 and opened.data.startswith(b"%PDF-") and b"JWA signed.pdf" in opened.data


def test_the_evidence_panel_opens_gate5_with_the_final_pilot_report(app, walker):
    task_id = walked_to(walker, "gate5_evidence_gate", {"report_pilot_outcomes": {
        "pilot_report_document": pdf("Final pilot report.pdf")}})
    lead = decision(text(signed_in(app, "eve.evidence").get(f"/tasks/{task_id}")))
    assert "Final pilot report" in lead and 'class="app-file-link">Final pilot report.pdf</a>' in lead


def test_the_dmbc_board_opens_gate6_with_the_business_case_document(app, walker):
    task_id = walked_to(walker, "gate6_dmbc", {"prepare_business_case": {
        "business_case_document": pdf("Business case.pdf")}})
    lead = decision(text(signed_in(app, "dan.dmbc").get(f"/tasks/{task_id}")))
    assert lead.index("Management case") < lead.index("Business case document (five-case model)")
    assert 'class="app-file-link">Business case.pdf</a>' in lead


def evidence_of_each_partner(data: dict, user) -> dict:
    return {"evidence_files": pdf(f"{user.organisation_name} evidence.pdf")}


def test_the_board_scores_each_eoi_beside_its_evidence_and_a_partner_sees_only_its_own(app, walker):
    task_id = walked_to(walker, "score_eois", {"submit_eoi": evidence_of_each_partner})
    with walker.db.reading() as s:
        scoring = s.get(Task, task_id)
        project = scoring.instance_id
    bea = next(t.id for t in walker.open_tasks(project) if t.assignee == "bea.board")
    lead = decision(text(signed_in(app, "bea.board").get(f"/tasks/{bea}")))
    for partner in (MEDTECH, DATAHEALTH):
        assert f'class="app-file-link">{partner} evidence.pdf</a>' in lead
    medtech_sees = text(signed_in(app, "ivy.medtech").get(f"/projects/{project}"))
    assert f"{MEDTECH} evidence.pdf" in medtech_sees and f"{DATAHEALTH} evidence.pdf" not in medtech_sees


def test_a_specification_sent_back_for_rework_keeps_its_document_for_the_next_draft(app, walker, db):
    plan = seed.happy_path("Faster lung referrals", "Pathway Delays")
    plan["gate3_hub_signoff"] = {"gate3_hub_decision": "rework", "gate3_hub_comments": "Name the sites."}
    project = walker.start()
    walker.walk(project, plan, stop_at="gate3_hub_signoff",
                files={"draft_specification": {"specification_document": pdf("Specification v1.pdf")}})
    walker.walk(project, plan, stop_at="draft_specification")
    again = next(t for t in walker.open_tasks(project) if t.bpmn_id == "draft_specification")
    with db.reading() as s:
        first = s.scalars(select(Document).where(Document.instance_id == project)).one()
    client = signed_in(app, walker.actor_for(again).username)
    page = text(client.get(f"/tasks/{again.id}"))
    assert f'<input type="hidden" name="specification_document" value="{first.id}">' in page
    assert 'class="app-file-link">Specification v1.pdf</a>' in page
    sent = post_task(client, again.id, {
        "objectives": "Faster referrals", "sites": "Royal Wolverhampton", "evaluation_plan": "Audit monthly.",
        "data_sharing_agreement": "signed", "dpia_status": "approved", "specification_document": str(first.id)})
    assert sent.status_code == 302, text(sent)[:2000]
    with db.reading() as s:
        kept = json.loads(s.get(Task, again.id).data_json)["specification_document"]
    assert kept == [{"document": first.id, "name": "Specification v1.pdf", "type": "application/pdf",
                     "size": first.size, "sha256": first.sha256}]
