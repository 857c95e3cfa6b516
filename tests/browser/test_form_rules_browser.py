"""A process owner makes a date field one that must lie ahead from the forms editor, without typing
the rule: the form gains the rule the server enforces, and the preview still draws the field."""
import json

from tests.browser.test_modeller_browser import open_copy_of_six_gates


def test_a_date_that_must_lie_ahead_is_added_from_the_forms_editor(db, demo_people, page_as):
    page = page_as("otto.owner")
    open_copy_of_six_gates(page)
    page.get_by_role("tab", name="Forms").click()
    page.get_by_role("button", name="close_project.schema.json").click()
    preview = page.locator("#form-preview")
    preview.locator(".nhsuk-form-group").first.wait_for()
    page.get_by_label("Key (the data variable)").fill("handover_date")
    page.get_by_label("Question").fill("Handover date")
    page.get_by_label("Type of answer").select_option("date_ahead")
    page.get_by_role("button", name="Add field").click()
    preview.locator("legend", has_text="Handover date").wait_for()  # a date: day, month and year boxes
    assert preview.locator('input#f-handover_date[name="handover_date-day"]').count() == 1
    schema = json.loads(page.get_by_label("Contents of close_project.schema.json").input_value())
    assert schema["properties"]["handover_date"] == {"type": "string", "format": "date", "x-not-before": "today",
                                                     "title": "Handover date"}
