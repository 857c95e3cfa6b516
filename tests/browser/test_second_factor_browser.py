"""The second factor in Chromium: a partner sets up an authenticator app at first sign-in (the key typed in by hand,
as someone who cannot scan would), keeps the recovery codes, then signs in with a code; the admin's rules page."""

from playwright.sync_api import expect

from engine.identity import accounts
from engine.identity import second_factor as factor
from tests import authenticator
from tests.browser import page_checks
from tests.browser.conftest import PASSWORD, record_pages, screenshot


def _require_partners(db, clock) -> None:
    db.writing(lambda s: factor.add_rule(s, scope="role", value="industry_partner",
                                         actor=accounts.require_user(s, "ada.admin"), clock=clock))


def _password(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_partner_sets_up_an_app_at_first_sign_in_and_then_signs_in_with_its_code(
        browser, live_server, demo_people, db, clock):
    _require_partners(db, clock)
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": page_checks.HEIGHT})
    record_pages(context)
    page = context.new_page()
    try:
        _password(page, "ivy.medtech")
        assert page.url.endswith("/login/second-factor")
        expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
        page.get_by_text("I cannot scan the QR code").click()
        screenshot(page, "second-factor-set-up")
        secret = page.locator("#secret").text_content().replace(" ", "")
        page.get_by_label("Code from your app").fill("000000")
        page.get_by_role("button", name="Set up and sign in").click()
        expect(page.get_by_role("alert").filter(has_text="That code is not right")).to_be_visible()
        screenshot(page, "second-factor-set-up-wrong-code")
        authenticator.add("ivy.medtech", secret)
        page.get_by_label("Code from your app").fill(authenticator.code_for("ivy.medtech"))
        page.get_by_role("button", name="Set up and sign in").click()
        expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
        expect(page.get_by_role("list", name="Recovery codes").locator("li")).to_have_count(10)
        screenshot(page, "second-factor-recovery-codes")
        page.get_by_role("link", name="continue to your tasks").click()
        page.wait_for_url("**/inbox**")
        page.get_by_role("button", name="Sign out").click()

        _password(page, "ivy.medtech")
        assert page.url.endswith("/login/code")
        page.goto("/inbox")  # half signed in: every page still asks to sign in
        assert "/login" in page.url and "/login/code" not in page.url
        _password(page, "ivy.medtech")
        screenshot(page, "second-factor-code")
        page.get_by_label("Code from your app").fill(authenticator.code_for("ivy.medtech"))
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url("**/inbox**")
        page.goto("/account/second-factor")
        expect(page.get_by_text("10 of 10")).to_be_visible()
        screenshot(page, "second-factor-account")
    finally:
        context.close()


def test_an_admin_sets_the_rules_and_removes_a_partners_app(browser, live_server, demo_people, db, clock, page_as):
    partner = page_as("ivy.medtech")  # not asked yet: no rule
    partner.goto("/account/second-factor")
    authenticator.add("ivy.medtech", partner.locator("#secret").text_content())
    partner.get_by_label("Code from your app").fill(authenticator.code_for("ivy.medtech"))
    partner.get_by_label("Your password").fill(PASSWORD)
    partner.get_by_role("button", name="Set up").click()
    expect(partner.get_by_role("heading", name="Your recovery codes")).to_be_visible()

    admin = page_as("ada.admin")
    admin.goto("/admin/second-factor")
    admin.get_by_label("Everyone in an organisation").check()
    admin.get_by_label("Organisation (for a rule about an organisation)").select_option("Medtech Innovations Ltd")
    admin.get_by_role("button", name="Add the rule").click()
    expect(admin.get_by_role("cell", name="Everyone at Medtech Innovations Ltd")).to_be_visible()
    screenshot(admin, "second-factor-rules")
    admin.goto("/admin/users/ivy.medtech/second-factor")
    screenshot(admin, "second-factor-remove-for-user")
    admin.get_by_role("button", name="Yes, remove their app").click()
    expect(admin.get_by_text("Removed Ivy Chen's authenticator app")).to_be_visible()
