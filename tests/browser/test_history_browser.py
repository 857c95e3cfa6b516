"""The history page in a real browser: stepping through a project's events on its diagram."""
from tests.browser.conftest import screenshot
from tests.conftest import walk_to_gate4


def marker(page, element_id: str, state: str):
    return page.locator(f'g.djs-element[data-element-id="{element_id}"].replay-{state}')


def at_event(page, seq: int) -> None:
    page.locator(f'#replay-diagram[data-replay-seq="{seq}"]').wait_for()


def test_an_auditor_steps_through_the_history_on_the_diagram(db, clock, demo_people, page_as):
    project = walk_to_gate4(db, clock)
    errors = []
    auditor = page_as("aud.auditor")
    auditor.on("pageerror", lambda error: errors.append(str(error)))
    auditor.goto(f"/projects/{project}/history")
    slider = auditor.get_by_label("Event on the timeline")
    last = int(slider.get_attribute("max")) + 1
    at_event(auditor, last)
    assert marker(auditor, "gate4_mobilisation_approval", "active").count() == 1
    assert marker(auditor, "gate1_prioritisation", "finished").count() == 1
    assert marker(auditor, "gate5_evidence_gate", "unreached").count() == 1
    assert auditor.locator(".replay-badge--active").count() >= 1

    gate1 = auditor.locator("#replay-jump option", has_text="Gate 1 – Prioritisation completed")
    auditor.get_by_label("Jump to event").select_option(gate1.get_attribute("value"))
    seq = int(gate1.inner_text().split(":")[0])
    at_event(auditor, seq)
    assert marker(auditor, "gate1_prioritisation", "finished").count() == 1
    assert marker(auditor, "invite_partners", "active").count() == 1
    assert marker(auditor, "prepare_mobilisation", "unreached").count() == 1
    assert marker(auditor, "gate4_mobilisation_approval", "active").count() == 0
    status = auditor.locator("#replay-status").inner_text()
    assert status.startswith(f"Event {seq} of {last}: Gate 1 – Prioritisation completed by Hana Okafor (Hub team), ")
    panel = auditor.locator(".app-replay-panel")
    assert "Hana Okafor" in panel.inner_text() and "hana.hub" not in panel.inner_text()
    changes = panel.locator(".app-replay-changes").inner_text()
    assert "Decision" in changes and "Approve" in changes and "gate1_decision" not in changes  # in the form's words
    waiting = panel.locator('[data-field="waiting"]').inner_text()
    assert "Invite partners and open call" in waiting  # the steps in words beside the diagram
    label = auditor.locator("#replay-diagram").get_attribute("aria-label")
    assert label.startswith(f"Diagram of the procedure at event {seq}. Waiting: Invite partners and open call.")

    auditor.get_by_role("button", name="Previous").click()
    at_event(auditor, seq - 1)  # Gate 1 made ready: waiting, not yet finished
    assert marker(auditor, "gate1_prioritisation", "active").count() == 1
    assert marker(auditor, "invite_partners", "unreached").count() == 1
    assert f"Event {seq - 1} of {last}: Gate 1 – Prioritisation ready" in auditor.locator("#replay-status").inner_text()

    auditor.get_by_role("button", name="Next").click()
    at_event(auditor, seq)
    assert marker(auditor, "gate1_prioritisation", "finished").count() == 1

    slider.focus()
    auditor.keyboard.press("ArrowLeft")  # the slider steps back by keyboard too
    at_event(auditor, seq - 1)
    assert marker(auditor, "gate1_prioritisation", "active").count() == 1
    screenshot(auditor, "history-replay")
    assert errors == [] and not auditor.locator(".app-diagram-problem").is_visible()

    # Each step opens near its element; the whole process is a click away, and stepping keeps that choice.
    step = marker(auditor, "gate1_prioritisation", "active")
    assert step.bounding_box()["width"] > 80
    auditor.get_by_role("button", name="Show the whole process").click()
    assert step.bounding_box()["width"] < 80
    auditor.get_by_role("button", name="Show this step").click()
    assert step.bounding_box()["width"] > 80
