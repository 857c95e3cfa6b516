"""The project page in a real browser: the pinned diagram drawn with finished and current steps marked."""
from tests.browser.conftest import screenshot
from tests.conftest import walk_to_gate4


def test_the_project_diagram_marks_finished_and_current_steps(db, clock, demo_people, page_as):
    project = walk_to_gate4(db, clock)
    errors = []
    hub = page_as("hana.hub")
    hub.on("pageerror", lambda error: errors.append(str(error)))
    hub.goto(f"/projects/{project}")
    hub.locator('.djs-container svg').first.wait_for()
    hub.locator('#diagram[data-diagram-ready="true"]').wait_for()
    current = hub.locator('g.djs-element[data-element-id="gate4_mobilisation_approval"].current')
    assert current.count() == 1
    assert hub.locator('g.djs-element[data-element-id="gate1_prioritisation"].done').count() == 1
    assert hub.locator('g.djs-element[data-element-id="gate1_outcome"].done').count() == 1
    assert hub.locator('g.djs-element[data-element-id="gate5_evidence_gate"].done').count() == 0
    fill = current.locator('.djs-visual > :nth-child(1)').evaluate("e => getComputedStyle(e).fill")
    assert fill == "rgb(255, 249, 196)"
    label = hub.get_by_role("img", name="Diagram of the procedure").get_attribute("aria-label")
    assert label.endswith("current: Gate 4 – Mobilisation approval.")
    assert not hub.locator(".diagram-problem").is_visible() and errors == []
    screenshot(hub, "project-page")
    hub.get_by_role("button", name="Show the current step at full size").click()
    box, frame = current.bounding_box(), hub.locator("#diagram").bounding_box()
    assert frame["x"] < box["x"] < box["x"] + box["width"] < frame["x"] + frame["width"]
    assert box["width"] > 80  # drawn at full size, not the whole diagram shrunk to fit
