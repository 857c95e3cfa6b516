"""Linking a Six Gates account to an identity provider's account, under attack: a stolen (or unattended) session
links the thief's account at the provider, after which the thief signs in as the victim with no password, no second
factor, and their actions under the victim's name. Against the real test identity provider (tests/sso)."""
from __future__ import annotations

from dataclasses import replace

import pytest
import requests

from tests.conftest import _TEMPLATES, add_user, settings_for
from tests.sso.conftest import BASE_URL
from tests.sso.identity_provider import NAME, AtProvider, callback_path, running, sign_in_at_provider
from tests.sso.test_sign_in_through_provider import map_group, user_linked_to
from tests.web.test_login_inbox import csrf_token, login

PASSWORD = "sams-own-password"


@pytest.fixture(scope="module")
def identity_provider():
    """tests/sso's provider, started for this module (its fixtures live in that package's conftest)."""
    with running([BASE_URL]) as provider:
        yield provider


@pytest.fixture
def sso_app(db, clock, identity_provider):
    from web import create_app
    settings = replace(settings_for(db), base_url=BASE_URL, sso_providers=(identity_provider.provider(),))
    app = create_app(settings, clock=clock, testing=True)
    app.jinja_env.bytecode_cache = _TEMPLATES
    return app


def press_the_providers_button(browser, page: str, username_there: str):
    """In this browser, press the provider's button on `page` and sign in at the provider as `username_there`."""
    started = browser.post(f"/login/sso/{NAME}", data={"csrf_token": csrf_token(browser.get(page).data)})
    if started.status_code != 302:
        return started
    at = AtProvider(browser, requests.Session(), started.location)
    return browser.get(callback_path(sign_in_at_provider(at, username_there)))


@pytest.fixture
def sam_signed_in(sso_app, db, clock, identity_provider):
    """sam, a sponsor with a Six Gates password, signed in; cleo's groups at the provider grant a role here."""
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser = sso_app.test_client()
    assert login(browser, "sam", PASSWORD).status_code == 302
    return browser


def test_a_stolen_session_cannot_link_the_thiefs_account_at_the_provider(sso_app, db, sam_signed_in):
    press_the_providers_button(sam_signed_in, "/notifications/preferences", "cleo")  # the thief is cleo there
    linked = user_linked_to(db, "cleo")
    assert linked is None or linked.username != "sam", "cleo's provider account now opens sam's Six Gates account"


def test_the_sign_in_button_in_a_browser_signed_in_as_someone_else_never_links(sso_app, db, sam_signed_in):
    press_the_providers_button(sam_signed_in, "/login", "cleo")  # the next person at the PC signs in as herself
    linked = user_linked_to(db, "cleo")
    assert linked is None or linked.username != "sam"
