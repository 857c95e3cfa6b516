"""The modeller in a real browser, as the process owner uses it: edit a copy of the six-gates diagram
in the properties panel, save and find the change after a reload; edit a form and watch the preview;
edit a decision table cell; check and deploy with the findings on screen."""
import json
import re

from playwright.sync_api import expect

from engine.store.models import ProcessDraft
from tests.browser.conftest import screenshot


def open_copy_of_six_gates(page):
    page.goto("/modeller")
    page.get_by_role("link", name=re.compile("Edit a copy of Six Gates version 1")).click()
    page.get_by_role("button", name="Make a new draft from version 1").click()
    page.locator("#modeller-canvas[data-ready=true]").wait_for()
    return int(page.url.rstrip("/").split("/")[-1])


POINT_ON = """(id) => {
  const modeler = window.SixGates.bpmn;
  const element = modeler.get('elementRegistry').get(id);
  // in view and clear of the palette
  modeler.get('canvas').scrollToElement(element, { top: 100, bottom: 100, left: 180, right: 60 });
  const box = modeler.get('canvas').viewbox();
  const frame = document.getElementById('modeller-canvas').getBoundingClientRect();
  let x = element.x + element.width / 2, y = element.y + Math.min(element.height / 2, 20);
  if (element.waypoints) {
    const [a, b] = element.waypoints;
    x = a.x + (b.x - a.x) / 4; y = a.y + (b.y - a.y) / 4;  // clear of the label in the middle
  } else if (element.type === 'bpmn:Lane' || element.type === 'bpmn:Participant') {
    x = element.x + 12;  // the header, not whatever lies in the middle of the lane
  }
  return { x: frame.left + (x - box.x) * box.scale, y: frame.top + (y - box.y) * box.scale };
}"""


def select(page, element_id):
    """Click the element where it is drawn, as a person would."""
    page.locator("#modeller-canvas").scroll_into_view_if_needed()
    point = page.evaluate(POINT_ON, element_id)
    page.mouse.click(point["x"], point["y"])
    page.locator(f'#properties-body[data-element-id="{element_id}"]').wait_for()


def saved_draft(db, draft_id) -> dict[str, str]:
    """The draft's files as stored: bpmn, dmn and forms (the last two as JSON text)."""
    with db.reading() as s:
        draft = s.get(ProcessDraft, draft_id)
        return {"bpmn": draft.bpmn_xml, "dmn": draft.dmn_json, "forms": draft.forms_json}


def save(page):
    page.get_by_role("group", name="Draft actions").get_by_role("button", name="Save draft").click()
    page.get_by_role("status").filter(has_text="Draft saved").wait_for()


def test_a_process_owner_changes_a_task_and_a_condition_and_finds_them_after_a_reload(db, demo_people, page_as):
    errors = []
    page = page_as("otto.owner")
    page.on("pageerror", lambda error: errors.append(str(error)))
    draft_id = open_copy_of_six_gates(page)
    select(page, "define_challenge")
    page.get_by_label("Form (JSON Schema)").select_option("gate1_prioritisation.schema.json")
    page.get_by_label("Due in").fill("P3W")
    page.get_by_label("Due in").press("Tab")
    page.get_by_label("Stage").fill("definition")
    select(page, "flow_gate1_approve")
    condition = page.get_by_label("Condition (Python)")
    assert condition.input_value() == 'gate1_decision == "approve"'
    condition.fill('gate1_decision in ("approve", "fast_track")')
    condition.press("Tab")
    assert "Python" in page.locator("#prop-condition-hint").inner_text()
    screenshot(page, "modeller")
    save(page)
    assert 'gate1_decision in ("approve", "fast_track")' in saved_draft(db, draft_id)["bpmn"]

    page.reload()
    page.locator("#modeller-canvas[data-ready=true]").wait_for()
    select(page, "define_challenge")
    assert page.get_by_label("Form (JSON Schema)").input_value() == "gate1_prioritisation.schema.json"
    assert page.get_by_label("Due in").input_value() == "P3W"
    select(page, "flow_gate1_approve")
    assert page.get_by_label("Condition (Python)").input_value() == 'gate1_decision in ("approve", "fast_track")'
    select(page, "lane_hub_team")
    assert "hub_team (a known role)" in page.locator("#properties-body").inner_text()
    assert errors == []


def test_a_wrong_due_date_is_refused_in_the_panel_and_undo_takes_a_change_back(db, demo_people, page_as):
    page = page_as("otto.owner")
    open_copy_of_six_gates(page)
    select(page, "define_challenge")
    page.get_by_label("Due in").fill("ten days")
    page.get_by_label("Due in").press("Enter")
    assert page.get_by_label("Due in").get_attribute("aria-invalid") == "true"
    assert "P10D" in page.locator("#prop-dueIn-error").inner_text()
    before = page.get_by_label("Name").input_value()
    page.get_by_label("Name").fill("Define the challenge")
    page.get_by_label("Name").press("Tab")
    drawn = page.locator('g[data-element-id="define_challenge"] text')
    assert drawn.text_content().replace(" ", "") == "Definethechallenge"
    page.get_by_role("application", name="Diagram editor").focus()
    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.getElementById('prop-name').value !== 'Define the challenge'")
    assert page.get_by_label("Name").input_value() == before


def test_the_forms_editor_previews_the_form_as_reviewers_see_it(db, demo_people, page_as):
    page = page_as("otto.owner")
    draft_id = open_copy_of_six_gates(page)
    page.get_by_role("tab", name="Forms").click()
    page.get_by_role("button", name="close_project.schema.json").click()
    preview = page.locator("#form-preview")
    preview.locator(".nhsuk-form-group").first.wait_for()
    text = page.get_by_label("Contents of close_project.schema.json")
    schema = json.loads(text.input_value())
    first_key = next(iter(schema["properties"]))
    schema["properties"][first_key]["title"] = "What did the project change for patients?"
    text.fill(json.dumps(schema, indent=2))
    preview.get_by_text("What did the project change for patients?").wait_for()

    page.get_by_label("Key (the data variable)").fill("risk_notes")
    page.get_by_label("Question").fill("Any risks to record?")
    page.get_by_label("Type of answer").select_option("long_text")
    page.get_by_label("An answer is required").check()
    page.get_by_role("button", name="Add field").click()
    preview.locator("label", has_text="Any risks to record?").wait_for()
    assert preview.locator("textarea#f-risk_notes").count() == 1
    screenshot(page, "form-editor")
    text.fill(text.input_value()[:-10])  # half-typed: the preview says why and keeps the last good form
    page.locator("#form-preview-problem").get_by_text("not valid JSON yet").wait_for()
    assert page.locator("#form-text-status").inner_text().startswith("Not valid JSON yet")
    assert preview.locator("textarea#f-risk_notes").count() == 1
    save(page)
    kept = json.loads(saved_draft(db, draft_id)["forms"])["close_project.schema.json"]
    assert kept == text.input_value() and "risk_notes" in kept


def test_a_process_owner_adds_a_file_field_and_the_form_says_what_it_takes(db, demo_people, page_as):
    page = page_as("otto.owner")
    open_copy_of_six_gates(page)
    page.get_by_role("tab", name="Forms").click()
    page.get_by_role("button", name="close_project.schema.json").click()
    preview = page.locator("#form-preview")
    preview.locator(".nhsuk-form-group").first.wait_for()
    files = page.locator("#field-files-group")
    expect(files).to_be_hidden()
    page.get_by_label("Key (the data variable)").fill("closure_report")
    page.get_by_label("Question").fill("Signed closure report")
    page.get_by_label("Type of answer").select_option("files")
    expect(files).to_be_visible()
    page.get_by_label("Hint (optional)").fill("Attach the report the board signed.")
    page.get_by_label("PDF", exact=True).check()
    page.get_by_label("Word document", exact=True).check()
    page.get_by_label("Most files").fill("0")
    page.get_by_role("button", name="Add field").click()
    expect(page.locator("#field-add-error")).to_have_text("Most files must be a whole number, 1 or more.")
    expect(page.get_by_label("Most files")).to_be_focused()
    page.get_by_label("Most files").fill("2")
    page.get_by_label("Largest file (MB)").fill("10")
    page.get_by_role("button", name="Add field").click()
    expect(preview.get_by_text("Signed closure report")).to_be_visible()
    expect(preview.get_by_text("Attach the report the board signed.")).to_be_visible()
    expect(preview.get_by_label("Signed closure report (optional)")).to_be_disabled()  # nothing uploads from here
    expect(preview.get_by_text("PDF or Word document, up to 10 MB each, up to 2 files")).to_be_visible()
    schema = json.loads(page.get_by_label("Contents of close_project.schema.json").input_value())
    assert schema["properties"]["closure_report"] == {
        "type": "array", "title": "Signed closure report", "description": "Attach the report the board signed.",
        "maxItems": 2, "x-file": {"kinds": ["pdf", "docx"], "max_mb": 10}}
    assert "closure_report" not in schema.get("required", [])
    expect(files).to_be_hidden()  # the helper is ready for the next field
    screenshot(page, "form-editor-file-field")


def test_a_decision_table_cell_is_edited_with_dmn_js(db, demo_people, page_as):
    page = page_as("otto.owner")
    draft_id = open_copy_of_six_gates(page)
    page.get_by_role("tab", name="Decision tables").click()
    page.locator("#dmn-canvas[data-ready]").wait_for()
    cell = page.locator('td[data-element-id="rule_all_met_recommendation"]')
    cell.click()
    page.keyboard.press("Control+a")
    page.keyboard.type('"proceed_to_business_case"')
    page.get_by_role("tab", name="Decision tables").click()  # leave the cell
    assert "Python" in page.locator("#panel-dmn .nhsuk-hint").inner_text()
    screenshot(page, "dmn-editor")
    save(page)
    dmn = json.loads(saved_draft(db, draft_id)["dmn"])["evidence_gate.dmn"]
    assert '"proceed_to_business_case"' in dmn.replace("&#34;", '"').replace("&quot;", '"')


def test_check_shows_findings_that_lead_to_the_element_and_deploy_links_to_the_new_version(db, demo_people,
                                                                                             page_as):
    page = page_as("otto.owner")
    open_copy_of_six_gates(page)
    select(page, "define_challenge")
    page.get_by_label("Form (JSON Schema)").select_option("")
    page.get_by_label("Form (JSON Schema)").press("Tab")
    page.get_by_role("button", name="Check").click()
    finding = page.locator("#findings-list li", has_text="define_challenge").first
    finding.wait_for()
    page.get_by_role("button", name="Deploy…").click()
    page.get_by_role("button", name="Yes, deploy").click()
    page.get_by_role("heading", name="Why the deployment was refused").wait_for()
    page.locator("#findings-list").get_by_role("button", name=re.compile("Show define_challenge")).first.click()
    page.locator('#properties-body[data-element-id="define_challenge"]').wait_for()

    page.get_by_label("Form (JSON Schema)").select_option("define_challenge.schema.json")
    page.get_by_label("Form (JSON Schema)").press("Tab")
    page.get_by_role("button", name="Deploy…").click()
    page.get_by_role("button", name="Yes, deploy").click()
    page.get_by_role("link", name="See the new version").wait_for()
    assert page.get_by_role("link", name="move projects to it").get_attribute("href").startswith("/migrations?from=")
