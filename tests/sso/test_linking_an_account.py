"""Someone with a Six Gates password links the account their organisation signs them in with, from their settings:
both proved, so their history stays under one username; never linked by e-mail alone."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from engine.clock import FixedClock
from engine.errors import Conflict
from engine.identity import accounts, single_sign_on
from engine.store.models import User
from tests.conftest import add_user
from tests.sso.identity_provider import NAME, AtProvider, callback_path, sign_in, sign_in_at_provider
from tests.sso.test_sign_in_through_provider import map_group, signed_in_as, system_events, user_linked_to
from tests.web.test_login_inbox import csrf_token, login

PASSWORD = "sams-own-password"


def link_from_settings(app_client, username: str):
    """Press "Link your account" in one's settings and sign in at the provider: Six Gates' answer."""
    page = app_client.get("/notifications/preferences")
    assert b"Link your account" in page.data
    started = app_client.post(f"/login/sso/{NAME}/link", data={"csrf_token": csrf_token(page.data),
                                                              "password": PASSWORD})
    assert started.status_code == 302
    at = AtProvider(app_client, requests.Session(), started.location)
    return app_client.get(callback_path(sign_in_at_provider(at, username)))


def test_a_signed_in_person_links_their_organisations_account_and_then_signs_in_with_it(
        sso_app, db, clock, identity_provider):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    map_group(db, clock, identity_provider, "clinical-leads", "sponsor")
    browser = sso_app.test_client()
    assert login(browser, "sam", PASSWORD).status_code == 302
    linked = link_from_settings(browser, "sam")
    assert linked.status_code == 302 and linked.location.endswith("/notifications/preferences")
    assert "Linked: you can use" in browser.get("/notifications/preferences").get_data(as_text=True)
    assert user_linked_to(db, "sam").username == "sam"  # no second account
    assert system_events(db, "identity_linked")[-1] == {"username": "sam", "provider": NAME}
    later = sso_app.test_client()
    assert sign_in(later, "sam").status_code == 302 and signed_in_as(later)
    with db.reading() as s:
        assert "sam-2" not in s.scalars(select(User.username)).all()


def test_an_account_there_linked_to_someone_else_is_not_linked_again(sso_app, db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    assert sign_in(sso_app.test_client(), "sam").status_code == 302  # made "sam" on first sign-in
    add_user(db, clock, "mallory", "sponsor", password=PASSWORD)
    browser = sso_app.test_client()
    assert login(browser, "mallory", PASSWORD).status_code == 302
    refused = link_from_settings(browser, "sam")
    assert refused.status_code == 409 and b"already linked" in refused.data
    with db.reading() as s:
        assert single_sign_on.identities_of(s, accounts.require_user(s, "mallory")) == []


def test_linking_asks_the_password_so_a_stolen_session_links_nothing(sso_app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    browser = sso_app.test_client()
    login(browser, "sam", PASSWORD)
    page = browser.get("/notifications/preferences").data
    refused = browser.post(f"/login/sso/{NAME}/link", data={"csrf_token": csrf_token(page), "password": "a guess"})
    assert refused.status_code == 302 and refused.location.endswith("/notifications/preferences")
    assert "nothing was linked" in browser.get("/notifications/preferences").get_data(as_text=True)
    assert system_events(db, "login_failed")[-1]["username"] == "sam"  # a guess counts, as at sign-in


def test_the_settings_button_can_reach_the_provider_in_a_browser(sso_app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    browser = sso_app.test_client()
    login(browser, "sam", PASSWORD)
    policy = browser.get("/notifications/preferences").headers["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:" in policy


def test_the_tokens_of_someone_the_provider_stopped_vouching_for_end_a_month_after_their_last_sign_in(
        sso_app, db, clock, identity_provider):
    from datetime import timedelta

    from engine.identity import tokens
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    assert sign_in(sso_app.test_client(), "cleo").status_code == 302
    username = user_linked_to(db, "cleo").username
    token = db.writing(lambda s: tokens.create_token(s, username=username, actor=username, clock=clock, days=365))

    def works_on(day) -> bool:
        with db.reading() as s:
            return tokens.user_id_for_token(s, token, clock=day) is not None
    assert works_on(clock) and works_on(FixedClock(clock.now() + timedelta(days=30)))
    assert not works_on(FixedClock(clock.now() + timedelta(days=31)))  # left the trust, never signed in again
    add_user(db, clock, "pat", "sponsor", password=PASSWORD)  # a password account's token lasts its whole life
    own = db.writing(lambda s: tokens.create_token(s, username="pat", actor="pat", clock=clock, days=365))
    with db.reading() as s:
        assert tokens.user_id_for_token(s, own, clock=FixedClock(clock.now() + timedelta(days=300))) is not None


def test_a_person_unlinks_with_their_password_and_an_admin_unlinks_after_asking(sso_app, db, clock, identity_provider):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    map_group(db, clock, identity_provider, "clinical-leads", "sponsor")
    browser = sso_app.test_client()
    assert login(browser, "sam", PASSWORD).status_code == 302
    assert link_from_settings(browser, "sam").status_code == 302
    page = browser.get("/notifications/preferences").data
    guessed = browser.post(f"/login/sso/{NAME}/unlink", data={"csrf_token": csrf_token(page), "password": "guess"})
    assert guessed.status_code == 302 and user_linked_to(db, "sam").username == "sam"
    assert "nothing was unlinked" in browser.get("/notifications/preferences").get_data(as_text=True)
    browser.post(f"/login/sso/{NAME}/unlink", data={"csrf_token": csrf_token(page), "password": PASSWORD})
    assert user_linked_to(db, "sam") is None
    assert system_events(db, "identity_unlinked")[-1] == {"username": "sam", "provider": NAME}
    assert link_from_settings(browser, "sam").status_code == 302  # and linked again
    admin = sso_app.test_client()
    assert login(admin, "ada", PASSWORD).status_code == 302
    assert f"/admin/users/sam/unlink/{NAME}" in admin.get("/admin/users/sam").get_data(as_text=True)
    ask = admin.get(f"/admin/users/sam/unlink/{NAME}")
    assert ask.status_code == 200 and user_linked_to(db, "sam") is not None  # asking unlinks nothing
    done = admin.post(f"/admin/users/sam/unlink/{NAME}", data={"csrf_token": csrf_token(ask.data)})
    assert done.status_code == 302 and user_linked_to(db, "sam") is None
    assert system_events(db, "identity_unlinked")[-1] == {"username": "sam", "provider": NAME}
    assert admin.get(f"/admin/users/sam/unlink/{NAME}").status_code == 404


def test_someone_who_signs_in_only_through_the_provider_cannot_unlink_themself(sso_app, db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser = sso_app.test_client()
    assert sign_in(browser, "cleo").status_code == 302
    username = user_linked_to(db, "cleo").username
    with pytest.raises(Conflict, match="ask your Hub administrator"):
        db.writing(lambda s: single_sign_on.unlink_identity(s, username, provider=NAME,
                                                            actor=accounts.require_user(s, username), clock=clock))
    assert user_linked_to(db, "cleo") is not None
