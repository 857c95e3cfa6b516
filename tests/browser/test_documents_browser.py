"""Documents in a real browser: the Hub team attaches the signed joint working agreement to the mobilisation pack and
the finance approver opens it beside the Gate 4 form, downloading exactly the bytes attached; a program dressed as a
PDF is refused on the page with the other answers kept; a partner never sees a competitor's EoI evidence, while the
board scoring them sees both. Each page is checked and kept at 1280 and 320 pixels wide."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from demo import seed
from demo.documents import DemoFile, one_page_pdf
from demo.walker import Walker
from engine.store.models import Document, Task
from tests.browser.conftest import screenshot
from tests.browser.test_journey_browser import NOTICE, Pick, eoi, fill, named, open_task
from tests.diagram.test_six_gates import plan

MOBILISATION, GATE4 = "Prepare mobilisation pack", "Gate 4 – Mobilisation approval"
JWA_NAME = "Joint working agreement (signed).pdf"
JWA = one_page_pdf("Joint working agreement JWA-2026-014", [
    "Parties: University Hospitals Birmingham NHS Foundation Trust and Medtech Innovations Ltd.",
    "Signed for both parties on 2 March 2026."])
# The first bytes of a Windows program (its "MZ" header), named as if it were a PDF.
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 600
JWA_FIELD = named("Signed joint working agreement")
PACK = {
    "Resourcing": "A project manager and a clinical champion.", "Project plan": "Go live in May.",
    "Governance": "Monthly project board.", "Roles and responsibilities": "See the RACI.",
    "NHS contribution (GBP)": 150000, "Industry contribution (GBP)": 100000, "Total budget (GBP)": 250000,
    "Milestone 1": {"Milestone": "Live at the first site", "Due date": "2026-05-01"},
    "The DPIA is approved (or not needed)": Pick("Yes"),
    "The data-sharing agreement is signed (or not needed)": Pick("Yes"),
    "A written joint working agreement is in place": Pick("Yes"),
    "Joint working agreement reference": "JWA-2026-014",
}


def chosen(name: str, content: bytes, media_type: str = "application/pdf") -> dict:
    """A file as the browser's file chooser hands it over (the type the browser claims is not believed)."""
    return {"name": name, "mimeType": media_type, "buffer": content}


def mobilisation_by_its_actor(db, clock, page_as) -> Page:
    """A project walked by the demo people up to the mobilisation pack, its task open for the person who does it."""
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, plan(), stop_at="prepare_mobilisation")
    (task,) = [t for t in walker.open_tasks(project) if t.bpmn_id == "prepare_mobilisation"]
    return open_task(page_as(walker.actor_for(task).username), MOBILISATION)


def stored_names(db) -> list[str]:
    with db.reading() as s:
        return list(s.scalars(select(Document.name).order_by(Document.id)))


def test_the_hub_attaches_the_jwa_and_the_finance_approver_opens_it_at_gate4(db, clock, demo_people, page_as):
    hub = mobilisation_by_its_actor(db, clock, page_as)
    expect(hub.get_by_label(JWA_FIELD)).to_have_attribute("type", "file")
    expect(hub.get_by_label(JWA_FIELD)).to_have_attribute("accept", ".pdf,.docx")
    screenshot(hub, "documents-01-upload-empty")
    fill(hub, PACK)
    hub.get_by_label(JWA_FIELD).set_input_files(chosen(JWA_NAME, JWA))
    hub.get_by_role("button", name="Save draft", exact=True).click()  # the file is kept with the draft
    expect(hub.locator(NOTICE)).to_have_text("Draft saved. You can come back to it later.")
    kept = hub.get_by_role("group", name="File already added to signed joint working agreement")
    expect(kept.get_by_role("link", name=JWA_NAME, exact=True)).to_be_visible()
    expect(kept).to_contain_text("(PDF, 1 KB)")
    screenshot(hub, "documents-03-upload-kept")
    hub.get_by_role("button", name="Submit", exact=True).click()
    expect(hub.locator(NOTICE)).to_contain_text(f"{MOBILISATION} submitted.")

    fran = open_task(page_as("fran.finance"), GATE4)
    decision = fran.get_by_role("region", name="The mobilisation pack")  # what Gate 4 decides on, first
    link = decision.get_by_role("link", name=JWA_NAME, exact=True)
    expect(link).to_be_visible()
    expect(decision).to_contain_text(f"{JWA_NAME} (PDF, 1 KB)")
    screenshot(fran, "documents-04-gate4-with-the-jwa")
    with fran.expect_download() as arrived:
        link.click()
    assert arrived.value.suggested_filename == JWA_NAME
    assert Path(arrived.value.path()).read_bytes() == JWA  # byte for byte what the Hub team attached

    preview = decision.get_by_role("link", name=f"Preview {JWA_NAME} (opens in a new tab)")
    assert preview.get_attribute("target") == "_blank"
    response = fran.request.get(preview.get_attribute("href"))  # as the new tab asks for it, signed in as Fran
    assert response.status == 200 and response.body() == JWA
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("inline;")


def test_a_program_renamed_pdf_is_refused_on_the_page_and_the_answers_typed_are_kept(db, clock, demo_people,
                                                                                     page_as):
    hub = mobilisation_by_its_actor(db, clock, page_as)
    fill(hub, PACK)
    hub.get_by_label(JWA_FIELD).set_input_files(chosen("agreement.pdf", PROGRAM))
    hub.get_by_role("button", name="Submit", exact=True).click()

    refusal = "agreement.pdf is a Windows program, not a PDF or Word document: upload a PDF or Word document."
    summary = hub.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(hub).to_have_title(re.compile(f"^Error: {MOBILISATION}"))
    control = hub.get_by_label(JWA_FIELD)
    expect(control).to_have_attribute("aria-invalid", "true")
    expect(hub.locator(f"#{control.get_attribute('id')}-error")).to_contain_text(refusal)
    for label in ("Resourcing", "Governance", "Joint working agreement reference"):
        expect(hub.get_by_label(named(label))).to_have_value(str(PACK[label]))
    expect(hub.get_by_role("radio", name="Yes").first).to_be_checked()
    screenshot(hub, "documents-02-upload-refused")
    assert stored_names(db) == []  # nothing of the program was kept

    summary.get_by_role("link", name=refusal).click()  # the summary leads to the control
    expect(control).to_be_focused()
    control.set_input_files(chosen(JWA_NAME, JWA))
    hub.get_by_role("button", name="Submit", exact=True).click()
    expect(hub.locator(NOTICE)).to_contain_text(f"{MOBILISATION} submitted.")
    assert stored_names(db) == [JWA_NAME]


def evidence(solution: str) -> bytes:
    return one_page_pdf(f"{solution}: evidence of impact", [f"{solution} was evaluated at three trusts in 2025."])


def eoi_of(db, username: str) -> str:
    with db.reading() as s:
        return s.scalars(select(Task.id).where(Task.bpmn_id == "submit_eoi", Task.completed_by == username)).one()


def test_a_partner_never_sees_a_competitors_eoi_evidence_and_the_board_sees_both(db, clock, demo_people,
                                                                                 page_as):
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, plan(), stop_at="submit_eoi")
    theirs = "ChestView - evaluation.pdf"
    (datahealth_eoi,) = [t for t in walker.open_tasks(project) if t.bpmn_id == "submit_eoi"
                         and walker.actor_for(t).username == "ian.datahealth"]
    walker.complete(datahealth_eoi, files={"evidence_files": [DemoFile(theirs, evidence("ChestView"))]})

    ivy = open_task(page_as("ivy.medtech"), "Submit expression of interest")
    ours = "LungScan AI - evidence summary.pdf"
    fill(ivy, eoi("LungScan AI"))
    ivy.get_by_label(named("Supporting evidence")).set_input_files(chosen(ours, evidence("LungScan AI")))
    ivy.get_by_role("button", name="Submit", exact=True).click()
    expect(ivy.locator(NOTICE)).to_contain_text("Submit expression of interest submitted.")
    with db.reading() as s:
        ids = dict(s.execute(select(Document.name, Document.id)).all())

    ivy.goto(f"/projects/{project}")
    documents = ivy.get_by_role("region", name="Documents")
    expect(documents.get_by_role("link", name=ours, exact=True)).to_be_visible()
    ivy.get_by_text("Everything recorded on the project").click()
    expect(ivy.get_by_role("link", name=ours, exact=True)).to_have_count(2)  # listed, and in their EoI's answers
    screenshot(ivy, "documents-05-project-page-partner")
    assert theirs not in ivy.content() and f"/documents/{ids[theirs]}" not in ivy.content()
    ivy.goto(f"/tasks/{eoi_of(db, 'ivy.medtech')}")  # their own EoI, done: what they sent is under the project so far
    expect(ivy.get_by_role("heading", level=1)).to_have_text("Submit expression of interest")
    ivy.get_by_text("Expressions of interest", exact=True).click()
    expect(ivy.get_by_role("link", name=ours, exact=True)).to_be_visible()
    screenshot(ivy, "documents-06-own-eoi-partner")
    assert theirs not in ivy.content()
    for address in (f"/documents/{ids[theirs]}", f"/documents/{ids[theirs]}/preview"):
        response = ivy.goto(address)
        assert response.status == 404
        expect(ivy.get_by_role("heading", level=1)).to_have_text("Page not found")
        assert theirs not in ivy.content()

    walker.walk(project, plan(), stop_at="score_eois")
    board = open_task(page_as("bea.board"), "Score EoIs")
    for name in (ours, theirs):
        expect(board.get_by_role("link", name=name, exact=True)).to_be_visible()
    screenshot(board, "documents-07-score-eois-with-evidence")
    assert seed.MEDTECH in board.content() and seed.DATAHEALTH in board.content()
