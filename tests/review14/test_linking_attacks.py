"""Linking a Six Gates account to an identity provider's account, under attack: a stolen (or unattended) session
links the thief's account at the provider, after which the thief signs in as the victim with no password, no second
factor, and their actions under the victim's name. Against the real test identity provider (tests/sso)."""
from __future__ import annotations

import secrets
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.conftest import add_user
from tests.sso.identity_provider import NAME, AtProvider, callback_path, sign_in_at_provider
from tests.sso.test_sign_in_through_provider import map_group, user_linked_to
from tests.web.test_login_inbox import csrf_token, login

PASSWORD = "sams-own-password"


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
    """review14 F18 (fixed in ef71e58): linking asks the password again; the sign-in button never links."""
    press_the_providers_button(sam_signed_in, "/notifications/preferences", "cleo")  # the thief is cleo there
    for password in ({}, {"password": "a guess"}):  # the settings' own button, without sam's password
        page = sam_signed_in.get("/notifications/preferences").data
        started = sam_signed_in.post(f"/login/sso/{NAME}/link", data={**password, "csrf_token": csrf_token(page)})
        assert started.status_code == 302 and not started.location.startswith("http://127.0.0.1")
    linked = user_linked_to(db, "cleo")
    assert linked is None or linked.username != "sam", "cleo's provider account now opens sam's Six Gates account"


def test_the_sign_in_button_in_a_browser_signed_in_as_someone_else_never_links(sso_app, db, sam_signed_in):
    press_the_providers_button(sam_signed_in, "/login", "cleo")  # the next person at the PC signs in as herself
    linked = user_linked_to(db, "cleo")
    assert linked is None or linked.username != "sam"


def test_linking_on_a_shared_pc_never_takes_the_previous_persons_account_there(sso_app, db, clock, identity_provider):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    pc = requests.Session()  # the shared PC's browser, as the provider sees it
    # cleo signed in at the provider on this PC for another of the trust's services (e-mail, say), not Six Gates
    other_app = "https://other-app.example/callback"
    at_other_app = requests.Request("GET", f"{identity_provider.issuer}/auth", params={
        "client_id": "other-app", "redirect_uri": other_app, "response_type": "code", "scope": "openid",
        "state": "s", "nonce": "n", "code_challenge": create_s256_code_challenge(secrets.token_urlsafe(48)),
        "code_challenge_method": "S256"}).prepare().url
    sign_in_at_provider(AtProvider(None, pc, at_other_app), "cleo", back_to=other_app)
    sam = sso_app.test_client()  # sam sits down, signs in with his password and links his organisation's account
    assert login(sam, "sam", PASSWORD).status_code == 302
    started = sam.post(f"/login/sso/{NAME}/link", data={
        "password": PASSWORD, "csrf_token": csrf_token(sam.get("/notifications/preferences").data)})
    assert started.status_code == 302
    address = started.location
    for _ in range(10):
        answer = pc.get(address, allow_redirects=False, timeout=10)
        if "/interaction/" in urlsplit(address).path and answer.status_code == 200:
            return  # the provider asks who is there (prompt=login): sam signs in there as himself
        address = urljoin(address, answer.headers["Location"])
        if f"/login/sso/{NAME}/callback" in address:
            break
    sam.get(callback_path(address))  # a confirmation Six Gates might show is not confirmed here
    linked = user_linked_to(db, "cleo")
    assert linked is None or linked.username != "sam", "cleo's provider account now opens sam's Six Gates account"


def test_signing_in_through_a_link_never_leaves_six_gates_without_an_administrator(
        sso_app, db, clock, identity_provider):
    from sqlalchemy import select

    from engine.store.models import User, UserRole
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")  # no group maps to admin
    browser = sso_app.test_client()
    assert login(browser, "ada", PASSWORD).status_code == 302
    started = browser.post(f"/login/sso/{NAME}/link", data={
        "password": PASSWORD, "csrf_token": csrf_token(browser.get("/notifications/preferences").data)})
    browser.get(callback_path(sign_in_at_provider(AtProvider(browser, requests.Session(), started.location), "cleo")))
    assert user_linked_to(db, "cleo").username == "ada"
    next_day = sso_app.test_client()
    start = next_day.post(f"/login/sso/{NAME}", data={"csrf_token": csrf_token(next_day.get("/login").data)})
    next_day.get(callback_path(sign_in_at_provider(AtProvider(next_day, requests.Session(), start.location), "cleo")))
    with db.reading() as s:
        admins = s.scalars(select(User.username).join(UserRole).where(UserRole.role == "admin",
                                                                      User.active.is_(True))).all()
    assert admins, "no administrator left"


def test_the_link_button_needs_the_csrf_token(sso_app, sam_signed_in):
    """Guard: another site cannot make a signed-in browser start a link, even knowing the password."""
    answer = sam_signed_in.post(f"/login/sso/{NAME}/link", data={"password": PASSWORD})
    assert answer.status_code == 400
