"""The diff between two process versions in a real browser: both diagrams drawn, the changes marked
with colour and a badge, and each change in the list shows its element."""
from engine.repository import deployments
from tests.browser.conftest import screenshot
from tests.engine.test_version_diff import revised_six_gates


def test_the_diff_page_marks_added_moved_and_removed_elements_on_the_diagrams(db, clock, six_gates, demo_people,
                                                                                page_as):
    bpmn, dmn, forms = revised_six_gates()
    revision, _ = db.writing(lambda s: deployments.deploy_process(
        s, bpmn=bpmn, dmn=dmn, forms=forms, actor="otto.owner", clock=clock))
    errors = []
    owner = page_as("otto.owner")
    owner.on("pageerror", lambda error: errors.append(str(error)))
    owner.goto("/processes")
    screenshot(owner, "versions-list")
    owner.get_by_role("link", name="Compare with previous version of Six Gates").click()
    owner.wait_for_url(f"**/processes/diff?old={six_gates.id}&new={revision.id}")
    owner.locator('#diagram-new[data-diagram-ready="true"]').wait_for()
    owner.locator('#diagram-old[data-diagram-ready="true"]').wait_for()

    new, old = owner.locator("#diagram-new"), owner.locator("#diagram-old")
    added = new.locator('g.djs-element[data-element-id="notify_finance"].diff-added')
    moved = new.locator('g.djs-element[data-element-id="gate4_mobilisation_approval"].diff-changed')
    assert added.count() == 1 and moved.count() == 1
    assert new.locator('g.djs-element[data-element-id="flow_gate1_approve"].diff-changed').count() == 1
    assert old.locator('g.djs-element[data-element-id="extend_pilot"].diff-removed').count() == 1
    assert new.locator('[data-element-id="extend_pilot"]').count() == 0
    fill = added.locator(".djs-visual > :nth-child(1)").evaluate("e => getComputedStyle(e).fill")
    assert fill == "rgb(232, 244, 236)"
    assert new.locator(".diff-badge--added", has_text="Added").count() == 2  # the task and its flow
    assert new.locator(".diff-badge--changed", has_text="Moved").count() == 1
    assert old.locator(".diff-badge--removed", has_text="Removed").count() == 2
    assert not owner.locator(".app-diagram-problem").first.is_visible() and errors == []
    screenshot(owner, "version-diff")

    owner.get_by_role("button", name="Gate 4 – Mobilisation approval moved from lane Finance approver").click()
    box, frame = moved.bounding_box(), new.bounding_box()
    assert frame["x"] < box["x"] < box["x"] + box["width"] < frame["x"] + frame["width"]
    assert box["width"] > 80  # shown at full size, not the whole diagram shrunk to fit
    assert new.locator('g.djs-element[data-element-id="gate4_mobilisation_approval"].diff-focus').count() == 1
