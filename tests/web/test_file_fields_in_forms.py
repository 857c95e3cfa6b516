"""The Six Gates forms take the documents each gate decides on as file fields, optional so that answers in JSON
alone still complete every task; each document is read by whoever reads the answers it belongs with, and the
gate deciding on it leads with it."""
import json

import pytest

from demo.answers import sample_answers
from demo.seed import DATAHEALTH, MEDTECH
from engine.policy.visibility import PARTNERS, SELECTED, SPONSOR, Reader
from engine.repository.checks import check_diagram
from engine.repository.deployments import read_directory
from engine.repository.forms import schema_problem
from engine.store.models import Task
from engine.tasks.decisions import decides_on
from tests.conftest import ROOT

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
    assert field["description"]  # what to attach, in words
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
