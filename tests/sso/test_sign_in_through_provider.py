"""Signing in through a real OpenID Connect provider, over HTTP: accounts made and linked by subject id, roles from
the administrators' mapping, refusals, replays, and signing out."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urljoin, urlsplit

from sqlalchemy import select

from engine.clock import FixedClock
from engine.identity import accounts, second_factor, sign_in_states, single_sign_on
from engine.store.models import ExternalIdentity, SignInSession, User
from engine.store.trail import SYSTEM_CHAIN, list_events
from tests.conftest import add_user
from tests.sso.conftest import BASE_URL
from tests.sso.identity_provider import LABEL, NAME, callback_path, sign_in, sign_in_at_provider, start_sign_in
from tests.web.test_login_inbox import csrf_token, login
from web.pages import single_sign_on as single_sign_on_pages

ADMIN_PASSWORD = "admin-test-pass"


def map_group(db, clock, identity_provider, group: str, role: str) -> int:
    """An administrator's mapping: members of `group` hold `role`."""
    if db.writing(lambda s: accounts.get_user(s, "ada")) is None:
        add_user(db, clock, "ada", "admin", password=ADMIN_PASSWORD)
    return db.writing(lambda s: single_sign_on.add_mapping(
        s, provider=identity_provider.provider(), group=group, role=role, actor=accounts.get_user(s, "ada"),
        clock=clock).id)


def system_events(db, kind: str) -> list[dict]:
    with db.reading() as s:
        return [json.loads(e.data_json) for e in list_events(s, SYSTEM_CHAIN) if e.kind == kind]


def user_linked_to(db, subject: str) -> User | None:
    with db.reading() as s:
        identity = s.scalars(select(ExternalIdentity).where(ExternalIdentity.provider == NAME,
                                                            ExternalIdentity.subject == subject)).first()
        user = s.get(User, identity.user_id) if identity else None
        if user is not None:
            _ = user.roles, user.active  # loaded before the session closes
        return user


def signed_in_as(app_client) -> bool:
    return app_client.get("/inbox").status_code == 200


def test_the_sign_in_page_offers_the_providers_button(sso_app):
    page = sso_app.test_client().get("/login")
    assert page.status_code == 200 and LABEL.encode() in page.data
    assert f'action="/login/sso/{NAME}"'.encode() in page.data


def test_first_sign_in_makes_an_account_linked_by_subject_with_the_roles_its_groups_grant(
        sso_app, db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser = sso_app.test_client()
    at = start_sign_in(browser)
    assert at.address.startswith(identity_provider.issuer)
    asked = at.params
    assert asked["code_challenge_method"] == "S256" and asked["code_challenge"] and asked["nonce"]
    assert asked["redirect_uri"] == f"{BASE_URL}/login/sso/{NAME}/callback"
    response = browser.get(callback_path(sign_in_at_provider(at, "cleo")))
    assert response.status_code == 302 and response.location.endswith("/inbox")
    inbox = browser.get("/inbox")
    assert inbox.status_code == 200 and b"Dr Cleo Singh" in inbox.data
    cleo = user_linked_to(db, "cleo")
    assert (cleo.username, cleo.display_name, cleo.email) == ("cleo.singh", "Dr Cleo Singh", "cleo.singh@nhs.example")
    assert cleo.roles == {"clinical_lead"}
    assert system_events(db, "identity_linked") == [{"username": "cleo.singh", "provider": NAME}]
    assert system_events(db, "login_succeeded")[-1] == {"username": "cleo.singh", "address": "127.0.0.1",
                                                         "provider": NAME}
    with db.reading() as s:
        assert s.scalars(select(SignInSession.provider)).all() == [NAME]
    # The second time the same account signs in: no second user.
    assert sign_in(sso_app.test_client(), "cleo").status_code == 302
    with db.reading() as s:
        assert s.scalars(select(User.username).where(User.username.like("cleo%"))).all() == ["cleo.singh"]


def test_single_sign_on_leaves_the_second_factor_to_the_provider_even_where_a_rule_asks_one_of_the_role(
        sso_app, db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    db.writing(lambda s: second_factor.add_rule(s, scope="role", value="clinical_lead",
                                                actor=accounts.get_user(s, "ada"), clock=clock))
    browser = sso_app.test_client()
    response = sign_in(browser, "cleo")
    assert response.status_code == 302 and response.location.endswith("/inbox")
    assert signed_in_as(browser)


def test_a_local_user_with_the_same_email_is_not_taken_over(sso_app, db, clock, identity_provider):
    add_user(db, clock, "sam", "sponsor", password="sams-own-password")
    db.writing(lambda s: accounts.get_user(s, "sam").__setattr__("email", "sam@nhs.example"))
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser = sso_app.test_client()
    assert sign_in(browser, "sam").status_code == 302
    linked = user_linked_to(db, "sam")
    assert linked.username == "sam-2" and linked.roles == {"clinical_lead"}
    with db.reading() as s:
        local = accounts.get_user(s, "sam")
        assert local.roles == {"sponsor"} and single_sign_on.identities_of(s, local) == []
    assert b"Sam Sameaddress" in browser.get("/inbox").data


def test_a_removed_mapping_takes_its_role_at_once_a_new_one_grants_at_sign_in_all_on_the_record(
        sso_app, db, clock, identity_provider):
    mapping = map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    assert sign_in(sso_app.test_client(), "cleo").status_code == 302
    admin = sso_app.test_client()
    assert login(admin, "ada", ADMIN_PASSWORD).status_code == 302
    page = admin.get("/admin/single-sign-on")
    added = admin.post("/admin/single-sign-on", data={"provider": NAME, "group": "staff", "role": "evidence_panel",
                                                      "csrf_token": csrf_token(page.data)})
    assert added.status_code == 302
    confirm = admin.get(f"/admin/single-sign-on/{mapping}/remove")
    removed = admin.post(f"/admin/single-sign-on/{mapping}/remove", data={"csrf_token": csrf_token(confirm.data)})
    assert removed.status_code == 302
    assert user_linked_to(db, "cleo").roles == set()  # a removed mapping takes its role at once
    assert sign_in(sso_app.test_client(), "cleo").status_code == 302  # a new one grants on the provider's word
    assert user_linked_to(db, "cleo").roles == {"evidence_panel"}
    changes = [(e["change"], e["group"], e["role"]) for e in system_events(db, "role_mapping_changed")]
    assert changes == [("added", "clinical-leads", "clinical_lead"), ("added", "staff", "evidence_panel"),
                       ("removed", "clinical-leads", "clinical_lead")]
    assert system_events(db, "user_roles_changed")[-2:] == [
        {"username": "cleo.singh", "before": ["clinical_lead"], "after": [], "provider": NAME},
        {"username": "cleo.singh", "before": [], "after": ["evidence_panel"], "provider": NAME}]


def test_someone_whose_groups_grant_no_role_is_asked_to_see_their_hub_administrator(
        sso_app, db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser = sso_app.test_client()
    response = sign_in(browser, "nora")
    assert response.status_code == 403 and b"Ask your Hub administrator for access" in response.data
    assert user_linked_to(db, "nora") is None and not signed_in_as(browser)
    with db.reading() as s:
        assert accounts.get_user(s, "nora.newcomer") is None
    refused = system_events(db, "single_sign_on_refused")
    assert refused == [{"provider": NAME, "subject": "nora", "reason": "no_role", "name": "Nora Newcomer",
                        "groups": ["staff"]}]


def test_someone_disabled_in_six_gates_is_refused_though_the_provider_vouches_for_them(
        sso_app, db, clock, identity_provider):
    map_group(db, clock, identity_provider, "finance", "finance_approver")
    assert sign_in(sso_app.test_client(), "fran").status_code == 302
    db.writing(lambda s: accounts.set_active(s, "fran.hughes", active=False, actor=accounts.get_user(s, "ada"),
                                             clock=clock))
    browser = sso_app.test_client()
    response = sign_in(browser, "fran")
    assert response.status_code == 403 and b"Your account is disabled" in response.data
    assert not signed_in_as(browser)
    assert system_events(db, "single_sign_on_refused")[-1]["reason"] == "disabled"


def test_a_replayed_answer_from_the_provider_is_refused_and_signs_nobody_in(sso_app, db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser = sso_app.test_client()
    callback = callback_path(sign_in_at_provider(start_sign_in(browser), "cleo"))
    cookie = browser.get_cookie("session").value
    assert browser.get(callback).status_code == 302
    replayed = browser.get(callback)
    assert replayed.status_code == 400 and b"Start again from the sign-in page" in replayed.data
    copy = sso_app.test_client()  # an attacker holding a copy of the browser's cookie from before the callback
    copy.set_cookie("session", cookie)
    assert copy.get(callback).status_code == 400 and not signed_in_as(copy)
    assert len(system_events(db, "login_succeeded")) == 1


def test_an_answer_with_a_state_never_issued_is_refused(sso_app, db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser = sso_app.test_client()
    callback = sign_in_at_provider(start_sign_in(browser), "cleo")
    forged = callback.replace("state=", "state=x")
    assert browser.get(callback_path(forged)).status_code == 400
    assert browser.get(f"/login/sso/{NAME}/callback?code=made-up&state=made-up").status_code == 400
    assert not signed_in_as(browser) and system_events(db, "login_succeeded") == []


def test_an_answer_after_the_sign_in_expired_is_refused(sso_app, db, clock, identity_provider, monkeypatch):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser = sso_app.test_client()
    callback = callback_path(sign_in_at_provider(start_sign_in(browser), "cleo"))
    later = FixedClock(datetime.now(timezone.utc) + sign_in_states.LONGEST + timedelta(minutes=1))
    monkeypatch.setattr(single_sign_on_pages, "SESSION_CLOCK", later)
    assert browser.get(callback).status_code == 400 and not signed_in_as(browser)


def test_a_code_from_someone_elses_sign_in_is_refused_pkce(sso_app, db, clock, identity_provider):
    """A code stolen from another browser's sign-in, put in this browser's answer: its PKCE verifier does not fit."""
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    victim, attacker = sso_app.test_client(), sso_app.test_client()
    victims = sign_in_at_provider(start_sign_in(victim), "cleo")
    attackers = sign_in_at_provider(start_sign_in(attacker), "sam")
    code = parse_qs(urlsplit(attackers).query)["code"][0]
    state = parse_qs(urlsplit(victims).query)["state"][0]
    injected = victim.get(f"/login/sso/{NAME}/callback?code={code}&state={state}")
    assert injected.status_code == 400 and not signed_in_as(victim)
    assert system_events(db, "login_succeeded") == []


def test_a_provider_that_did_not_sign_the_person_in_is_told_plainly(sso_app):
    browser = sso_app.test_client()
    response = browser.get(f"/login/sso/{NAME}/callback?error=access_denied&state=anything")
    assert response.status_code == 400 and b"did not sign you in" in response.data


def test_sign_out_is_on_the_record_and_offers_the_providers_sign_out(sso_app, db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser = sso_app.test_client()
    at = start_sign_in(browser)
    assert browser.get(callback_path(sign_in_at_provider(at, "cleo"))).status_code == 302
    inbox = browser.get("/inbox")
    page = browser.post("/logout", data={"csrf_token": csrf_token(inbox.data)})
    assert page.status_code == 200 and b"Sign out of your organisation's account too" in page.data
    assert not signed_in_as(browser)
    assert system_events(db, "signed_out") == [{"username": "cleo.singh", "provider": NAME}]
    link = next(part.split('"')[0] for part in page.data.decode().split('href="') if "/session/end" in part)
    link = link.replace("&amp;", "&")
    asked = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert link.startswith(f"{identity_provider.issuer}/session/end?")
    assert asked["client_id"] == "sixgates" and asked["post_logout_redirect_uri"] == f"{BASE_URL}/login"
    # The provider accepts it, asks the person (signed in there) to confirm, and sends them back to Six Gates.
    confirm = at.browser.get(link, timeout=10)
    assert confirm.status_code == 200 and "Yes, sign me out" in confirm.text
    action = re.search(r'<form[^>]*action="([^"]+)"', confirm.text).group(1)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', confirm.text))
    back = at.browser.post(urljoin(link, action), data={**fields, "logout": "yes"}, allow_redirects=False,
                           timeout=10)
    assert back.status_code in (302, 303) and back.headers["Location"].startswith(f"{BASE_URL}/login?")
