"""A process owner changes the procedure in the browser and rolls it out to a running project:
edit the diagram, see a check refuse the deployment with its reason, fix it, deploy, move the
project after a dry run, and the next task is done on the new version."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from engine.store.models import AuditEvent, ProcessInstance
from tests.browser.conftest import screenshot
from tests.browser.test_journey_browser import Pick, do
from tests.browser.test_modeller_browser import open_copy_of_six_gates
from tests.browser.test_modeller_browser import select as select_element
from tests.conftest import walk_to_gate4

NEW_NAME = "Gate 4 – Mobilisation and budget approval"


def test_a_changed_procedure_is_deployed_and_a_running_project_moves_onto_it(db, clock, demo_people, page_as):
    project = walk_to_gate4(db, clock)

    owner = page_as("otto.owner")
    open_copy_of_six_gates(owner)
    select_element(owner, "gate4_mobilisation_approval")
    owner.get_by_label("Name").fill(NEW_NAME)
    owner.get_by_label("Name").press("Tab")
    owner.get_by_label("Due in").fill("P3D")
    owner.get_by_label("Due in").press("Tab")
    owner.get_by_label("Form (JSON Schema)").select_option("")  # a slip: the approval loses its form
    owner.get_by_label("Form (JSON Schema)").press("Tab")

    owner.get_by_role("button", name="Deploy…").click()
    owner.get_by_role("button", name="Yes, deploy").click()
    owner.get_by_role("heading", name="Why the deployment was refused").wait_for()
    refusal = owner.locator("#findings-list li", has_text="gate4_mobilisation_approval").first
    expect(refusal).to_contain_text("form")
    screenshot(owner, "deploy-refused")

    owner.get_by_label("Form (JSON Schema)").select_option("gate4_mobilisation_approval.schema.json")
    owner.get_by_label("Form (JSON Schema)").press("Tab")
    owner.get_by_role("button", name="Deploy…").click()
    owner.get_by_role("button", name="Yes, deploy").click()
    owner.get_by_role("link", name="See the new version").wait_for()
    owner.get_by_role("link", name="move projects to it").click()

    expect(owner.get_by_role("heading", level=1)).to_have_text("Move projects to another version")
    owner.get_by_label("Automated MDT preparation").check()
    owner.get_by_role("button", name="Check these projects (dry run)").click()
    expect(owner.get_by_role("status")).to_contain_text("1 of 1 project can move safely. Nothing has changed yet.")
    changes = owner.get_by_role("list", name="What changes for the steps open now")
    expect(changes).to_contain_text(f"its name changes to “{NEW_NAME}”")
    screenshot(owner, "migration-dry-run")
    with db.reading() as s:
        assert s.get(ProcessInstance, project).process_version.version == 1
    owner.get_by_role("button", name="Move 1 project to version 2").click()
    expect(owner.locator(".nhsuk-notification-banner--success")).to_contain_text("1 of 1 project moved.")

    fran = page_as("fran.finance")
    do(fran, NEW_NAME, {"Decision": Pick("Approve"), "Budget committed (GBP)": 250000},
       moves_on_to="Report pilot outcomes")
    with db.reading() as s:
        instance = s.get(ProcessInstance, project)
        assert instance.process_version.version == 2 and instance.stage == "pilot"
        kinds = list(s.scalars(select(AuditEvent.kind).where(AuditEvent.instance_id == project)
                               .order_by(AuditEvent.seq)))
    assert kinds.index("instance_migrated") < len(kinds) - 1 - kinds[::-1].index("task_completed")
    assert re.search(r"/inbox$", fran.url)
