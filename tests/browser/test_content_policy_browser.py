"""The pages work under the Content-Security-Policy: the modeller (bpmn-js, dmn-js, the forms editor),
the version, project and history pages (bpmn-js viewer) and the dashboard (Chart.js) draw with no violation reported."""
from tests.browser.test_modeller_browser import open_copy_of_six_gates
from tests.conftest import walk_to_gate4

# Registered before any page script: every violation the browser reports, as "directive blocked-uri".
LISTEN = """document.addEventListener('securitypolicyviolation', e => {
  (window.__violations = window.__violations || []).push(e.effectiveDirective + ' ' + e.blockedURI);
});"""


def watched(page) -> list[str]:
    """Violations found: the page's own report and the console's 'Refused to ...' messages."""
    seen: list[str] = []
    page.context.add_init_script(LISTEN)
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


def violations(page, seen: list[str]) -> list[str]:
    return seen + (page.evaluate("window.__violations || []"))


def test_the_modeller_works_under_the_content_security_policy(db, demo_people, page_as):
    page = page_as("otto.owner")
    seen = watched(page)
    open_copy_of_six_gates(page)
    page.locator(".djs-palette").wait_for()
    page.get_by_role("tab", name="Decision tables").click()
    page.locator("#dmn-canvas[data-ready]").wait_for()
    page.locator('td[data-element-id="rule_all_met_recommendation"]').click()
    page.get_by_role("tab", name="Forms").click()
    page.get_by_role("button", name="close_project.schema.json").click()
    page.locator("#form-preview .nhsuk-form-group").first.wait_for()
    modeller = violations(page, seen)
    page.goto("/processes/1")  # the version page draws its diagram with the viewer
    page.locator(".djs-container svg").first.wait_for()
    found = modeller + violations(page, seen)
    assert found == [], "\n".join(found)


def test_the_project_page_and_dashboard_work_under_the_content_security_policy(db, clock, demo_people, page_as):
    project = walk_to_gate4(db, clock)
    hub = page_as("hana.hub")
    seen = watched(hub)
    hub.goto(f"/projects/{project}")
    hub.locator('#diagram[data-diagram-ready="true"]').wait_for()
    hub.goto(f"/projects/{project}/history")
    hub.locator(".djs-container svg").first.wait_for()
    hub.goto("/dashboard")
    hub.locator("canvas").first.wait_for()
    hub.wait_for_timeout(500)  # the charts draw after load
    found = violations(hub, seen)
    assert found == [], "\n".join(found)
