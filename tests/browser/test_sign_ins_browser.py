"""The sign-ins page in a real browser: an auditor reads the summary and its chart, filters by person and kind,
is told plainly when a date range runs backwards, and finds the download keeping the filters."""
from playwright.sync_api import expect

from engine.identity import accounts, password_sign_in, single_sign_on, tokens
from engine.store.trail import record_event
from tests.browser.conftest import screenshot

NHS = single_sign_on.Provider(name="nhs", label="Sign in with your NHS account", issuer="https://idp.example.org",
                              client_id="sixgates")


def some_days_of_sign_ins(db, clock):
    """Three days of sign-ins, failures, a lock-out, a token and a group mapping, as the services record them."""
    for good, bad in [(3, 1), (5, 0), (2, 4)]:
        def work(s, good=good, bad=bad):
            for n in range(good):
                password_sign_in.record_login(s, username=["sam.sponsor", "hana.hub", "cleo.clinical"][n % 3],
                                              address="192.0.2.10", succeeded=True, clock=clock)
            for _ in range(bad):
                password_sign_in.record_login(s, username="ivy.medtech", address="198.51.100.7", succeeded=False,
                                              clock=clock)
        db.writing(work)
        clock.advance(days=1)
    db.writing(lambda s: record_event(s, instance=None, at=clock.now(), actor="anonymous", kind="login_locked_out",
                                      data={"username": "ivy.medtech", "address": "198.51.100.7",
                                            "until": (clock.now() + password_sign_in.LOCKOUT).isoformat()}))
    db.writing(lambda s: tokens.create_token(s, username="sam.sponsor", actor="ada.admin", clock=clock))
    db.writing(lambda s: single_sign_on.add_mapping(s, provider=NHS, group="cancer-leads", role="clinical_lead",
                                                    actor=accounts.require_user(s, "ada.admin"), clock=clock))


def test_an_auditor_reads_and_filters_the_sign_ins(db, clock, demo_people, page_as):
    some_days_of_sign_ins(db, clock)
    auditor = page_as("aud.auditor")
    errors = []
    auditor.on("pageerror", lambda error: errors.append(str(error)))
    auditor.goto("/audit")
    auditor.get_by_role("link", name="Sign-ins").click()
    auditor.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length === 1")
    expect(auditor.get_by_role("heading", name="Sign-ins", level=1)).to_be_visible()
    counts = auditor.get_by_role("list", name="Counts for the filtered person and dates")
    expect(counts).to_contain_text("11 sign-ins")  # ten above and the auditor's own
    expect(counts).to_contain_text("5 failures")
    expect(counts).to_contain_text("1 lock-out")
    expect(auditor.get_by_role("img", name="Sign-ins and failures per day")).to_be_visible()
    expect(auditor.get_by_role("cell", name="Group-to-role mapping changed")).to_be_visible()
    assert errors == []
    screenshot(auditor, "sign-ins")

    auditor.get_by_role("textbox", name="Person").fill("ivy.medtech")
    auditor.get_by_label("What happened").select_option(label="Failures and lock-outs")
    auditor.get_by_role("button", name="Filter").click()
    auditor.wait_for_url("**/audit/sign-ins?person=ivy.medtech&group=failures**")
    expect(auditor.get_by_role("status")).to_contain_text("6 events")
    expect(auditor.get_by_role("cell", name="Sign-in locked for a while after repeated failures")).to_be_visible()
    download = auditor.get_by_role("link", name="Download as CSV")
    assert "person=ivy.medtech" in download.get_attribute("href") and "group=failures" in download.get_attribute("href")
    screenshot(auditor, "sign-ins-filtered")

    auditor.goto("/audit/sign-ins?from-day=5&from-month=3&from-year=2026&to-day=2&to-month=3&to-year=2026")
    summary = auditor.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("The end date must be the same as or after the start date")
    summary.get_by_role("link").click()
    expect(auditor.locator("#to-day")).to_be_focused()
    screenshot(auditor, "sign-ins-error")
