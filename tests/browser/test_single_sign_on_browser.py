"""Single sign-on in a real browser: a clinical lead signs in on the identity provider's own page (a real OpenID
Connect provider on a loopback port) and lands on her tasks, with the role her group grants."""
from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from demo.walker import Walker
from engine.identity import accounts, single_sign_on
from tests.browser import conftest, page_checks
from tests.browser.conftest import screenshot
from tests.conftest import settings_for
from tests.diagram.test_six_gates import plan
from tests.sso.identity_provider import LABEL, USERS, running


@pytest.fixture
def sso_site(db, clock, demo_people):
    """Six Gates served on a free port with a test identity provider sending people back to it: the address."""
    from web import create_app
    served = {}
    server = make_server("127.0.0.1", 0, lambda environ, respond: served["app"](environ, respond), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    with running([base]) as identity_provider:
        settings = replace(settings_for(db), base_url=base, sso_providers=(identity_provider.provider(),))
        served["app"] = page_checks.with_axe(create_app(settings, clock=clock))
        db.writing(lambda s: single_sign_on.add_mapping(
            s, provider=identity_provider.provider(), group="clinical-leads", role="clinical_lead",
            actor=accounts.get_user(s, "ada.admin"), clock=clock))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield base
        server.shutdown()
        thread.join()


# Browsers check every redirect a form submission follows against form-action: the sign-in page allows the
# provider's own site (web/security_headers.sign_in_policy), or the button could not reach it.
def test_a_clinical_lead_signs_in_with_her_nhs_account_and_lands_on_her_tasks(db, clock, browser, sso_site):
    walker = Walker(db, clock)
    walker.walk(walker.start(), plan(), stop_at="gate3_clinical_signoff")
    conftest._USERNAMES.add("cleo.singh")  # her username must not show where her name belongs
    # Not recorded page by page: the provider's own pages are not Six Gates' to check; ours are checked below.
    context = browser.new_context(base_url=sso_site, viewport={"width": 1280, "height": page_checks.HEIGHT})
    page = context.new_page()
    page.goto("/login")
    screenshot(page, "sign-in-with-single-sign-on")
    page.get_by_role("button", name=LABEL).click()
    page.wait_for_url("**/interaction/**", timeout=5000)  # a local provider answers at once
    page.get_by_label("Username").fill("cleo")
    page.get_by_label("Password").fill(USERS["cleo"]["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox**")
    expect(page.get_by_text("Dr Cleo Singh").first).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Specification sign-off (clinical lead)")).to_be_visible()
    screenshot(page, "inbox-after-single-sign-on")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out of Six Gates")).to_be_visible()
    screenshot(page, "signed-out-after-single-sign-on")
    page.get_by_role("button", name="Sign out of your organisation's account too").click()
    expect(page.get_by_role("button", name="Yes, sign me out")).to_be_visible()  # the provider's own question
    context.close()
