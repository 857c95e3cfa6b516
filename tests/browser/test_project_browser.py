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

    def shown_near():
        box, frame = current.bounding_box(), hub.locator("#diagram").bounding_box()
        return frame["x"] < box["x"] < box["x"] + box["width"] < frame["x"] + frame["width"] and box["width"] > 80

    assert shown_near()  # it opens on the current step at full size, not the whole diagram shrunk to fit
    hub.get_by_role("button", name="Show the whole process").click()
    assert current.bounding_box()["width"] < 80  # the whole procedure, shrunk to fit
    hub.get_by_role("button", name="Show where the project is").click()
    assert shown_near()
    steps = hub.locator("#project-steps").inner_text()
    assert "Gate 4 – Mobilisation approval" in steps and "Next" in steps  # the same in words


def test_a_sponsor_sees_the_stages_in_order_and_no_diagram(db, clock, demo_people, page_as):
    project = walk_to_gate4(db, clock)
    sponsor = page_as("sam.sponsor")
    sponsor.goto(f"/projects/{project}")
    stages = sponsor.get_by_role("list", name="The stages of the procedure")
    assert stages.locator("li").count() == 10
    assert "Mobilisation (Gate 4)" in stages.locator('li[aria-current="step"]').inner_text()
    assert sponsor.locator(".djs-container").count() == 0 and "Fingerprint" not in sponsor.content()
    screenshot(sponsor, "project-page-sponsor")
