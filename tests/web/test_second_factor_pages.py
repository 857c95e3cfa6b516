"""The second factor through the test client: setting up an app at first sign-in or from your settings, signing in
with its code or a recovery code, lock-out, and the admin's rules and removal for someone who lost their phone."""
import json
import re
from datetime import datetime, timezone

import pyotp
import pytest

from engine.clock import FixedClock
from engine.identity import accounts
from engine.identity import second_factor as factor
from engine.store.trail import SYSTEM_CHAIN, list_events
from tests import authenticator
from tests.conftest import add_user
from tests.web.test_login_inbox import csrf_token, login
from web.pages import auth

PASSWORD = "correct horse battery"


def password_step(client, username, password=PASSWORD):
    page = client.get("/login").data
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(page)})


def post(client, path, **fields):
    page = client.get(path).data
    return client.post(path, data={**fields, "csrf_token": csrf_token(page)})


def events(db, *kinds):
    with db.reading() as s:
        return [(e.kind, json.loads(e.data_json)) for e in list_events(s, SYSTEM_CHAIN) if e.kind in kinds]


def set_up_at_sign_in(client, username):
    """Through the set-up page as a person with a phone: the key read off the page, a code made from it."""
    assert password_step(client, username).location.endswith("/login/second-factor")
    page = client.get("/login/second-factor").data
    authenticator.add(username, authenticator.secret_on(page))
    done = post(client, "/login/second-factor", code=authenticator.code_for(username))
    assert done.status_code == 200
    return re.findall(r"<code[^>]*>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})</code>", done.get_data(as_text=True))


@pytest.fixture
def people(app, db, clock, minimal):
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    add_user(db, clock, "ian", "industry_partner", org="DataHealth Ltd", password=PASSWORD)
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    return app


def require(db, clock, scope, value):
    db.writing(lambda s: factor.add_rule(s, scope=scope, value=value, actor=accounts.require_user(s, "ada"),
                                         clock=clock))


def test_a_partner_who_must_have_an_app_sets_it_up_before_any_page_opens(people, db, clock):
    require(db, clock, "role", "industry_partner")
    client = people.test_client()
    assert password_step(client, "ivy").location.endswith("/login/second-factor")
    inbox = client.get("/inbox")  # half signed in: not signed in
    assert inbox.status_code == 302 and "/login" in inbox.location
    page = client.get("/login/second-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page and re.search(r'id="secret"[^>]*>([A-Z2-7]{4} ){7}[A-Z2-7]{4}<', page)
    wrong = post(client, "/login/second-factor", code="000000")
    assert wrong.status_code == 400 and "That code is not right" in wrong.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302
    secret = authenticator.secret_on(page)
    done = post(client, "/login/second-factor", code=pyotp.TOTP(secret).now())
    shown = done.get_data(as_text=True)
    assert done.status_code == 200 and "You will not see these codes again" in shown
    assert len(re.findall(r"<code[^>]*>[A-Z2-7]{4}(-[A-Z2-7]{4}){3}</code>", shown)) == 10
    assert client.get("/inbox").status_code == 200
    assert [kind for kind, _ in events(db, "password_accepted", "second_factor_enrolled", "login_succeeded")] == [
        "password_accepted", "second_factor_enrolled", "login_succeeded"]
    other = people.test_client()  # not asked of others
    assert password_step(other, "sam").location.endswith("/inbox")


def test_signing_in_with_the_code_and_a_used_code_refused(people, db, clock):
    require(db, clock, "role", "industry_partner")
    set_up_at_sign_in(people.test_client(), "ivy")
    client = people.test_client()
    assert password_step(client, "ivy").location.endswith("/login/code")
    assert client.get("/inbox").status_code == 302
    page = client.get("/login/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and "Signing in as" in page
    code = authenticator.code_for("ivy")
    assert post(client, "/login/code", code=code).location.endswith("/inbox")
    assert client.get("/inbox").status_code == 200
    again = people.test_client()
    password_step(again, "ivy")
    reused = post(again, "/login/code", code=code)
    assert reused.status_code == 401 and "That code is not right" in reused.get_data(as_text=True)
    assert events(db, "second_factor_failed") == [("second_factor_failed", {"username": "ivy",
                                                                            "address": "127.0.0.1"})]


def test_wrong_codes_lock_the_account_out_and_the_lock_out_is_on_the_record(people, db, clock):
    require(db, clock, "role", "industry_partner")
    set_up_at_sign_in(people.test_client(), "ivy")
    client = people.test_client()
    password_step(client, "ivy")
    for _ in range(5):
        assert post(client, "/login/code", code="000000").status_code == 401
    assert password_step(client, "ivy").status_code == 429  # the lock-out holds at the password too
    assert [data["username"] for _, data in events(db, "login_locked_out")] == ["ivy"]


def test_a_recovery_code_signs_in_once(people, db, clock):
    require(db, clock, "role", "industry_partner")
    codes = set_up_at_sign_in(people.test_client(), "ivy")
    assert len(codes) == 10
    client = people.test_client()
    password_step(client, "ivy")
    assert post(client, "/login/code", recovery_code=codes[0].lower()).location.endswith("/inbox")
    again = people.test_client()
    password_step(again, "ivy")
    used = post(again, "/login/code", recovery_code=codes[0])
    assert used.status_code == 401 and "recovery codes" in used.get_data(as_text=True)
    assert [data for _, data in events(db, "recovery_code_used")] == [{"username": "ivy", "left": 9}]


def test_half_signed_in_lasts_five_minutes(people, db, clock, monkeypatch):
    require(db, clock, "role", "industry_partner")
    set_up_at_sign_in(people.test_client(), "ivy")
    now = FixedClock(datetime.now(timezone.utc))
    monkeypatch.setattr(auth, "SESSION_CLOCK", now)
    client = people.test_client()
    password_step(client, "ivy")
    page = client.get("/login/code")
    now.advance(minutes=5, seconds=1)
    late = client.post("/login/code", data={"code": authenticator.code_for("ivy"), "csrf_token": csrf_token(page.data)})
    assert late.status_code == 302 and late.location.endswith("/login")
    assert client.get("/inbox").status_code == 302
    assert b"Sign in again" in client.get("/login").data


def test_an_admin_requires_an_app_of_an_organisation(people, db, clock):
    admin = people.test_client()
    assert login(admin, "ada", PASSWORD).status_code == 302
    page = admin.get("/admin/second-factor")
    assert page.status_code == 200 and b"No rule yet" in page.data
    added = post(admin, "/admin/second-factor", scope="organisation", organisation="Medtech Ltd", role="")
    assert added.status_code == 302
    assert "Everyone at Medtech Ltd" in admin.get("/admin/second-factor").get_data(as_text=True)
    assert password_step(people.test_client(), "ivy").location.endswith("/login/second-factor")
    assert password_step(people.test_client(), "ian").location.endswith("/inbox")
    refused = post(admin, "/admin/second-factor", scope="organisation", organisation="Nobody Ltd")
    assert refused.status_code == 400 and b"Choose an organisation" in refused.data
    with db.reading() as s:
        rule_id = factor.list_rules(s, actor=accounts.require_user(s, "ada"))[0].id
    confirm = admin.get(f"/admin/second-factor/{rule_id}/remove")
    assert b"Stop asking for an authenticator app?" in confirm.data
    assert post(admin, f"/admin/second-factor/{rule_id}/remove").status_code == 302
    assert password_step(people.test_client(), "ivy").location.endswith("/inbox")
    assert [data["change"] for _, data in events(db, "second_factor_rule_changed")] == ["added", "removed"]


def test_only_admins_see_the_rules_or_remove_someones_app(people, db, clock):
    partner = people.test_client()
    assert login(partner, "sam", PASSWORD).status_code == 302
    assert partner.get("/admin/second-factor").status_code == 403
    assert partner.get("/admin/users/ivy/second-factor").status_code == 403
    assert partner.get("/account/second-factor/remove").location.endswith("/account/second-factor")  # no app


def test_an_admin_removes_the_app_of_someone_who_lost_their_phone(people, db, clock):
    require(db, clock, "role", "industry_partner")
    set_up_at_sign_in(people.test_client(), "ivy")
    admin = people.test_client()
    login(admin, "ada", PASSWORD)
    confirm = admin.get("/admin/users/ivy/second-factor")
    assert confirm.status_code == 200 and b"Yes, remove their app" in confirm.data
    assert post(admin, "/admin/users/ivy/second-factor").location.endswith("/admin/users/ivy")
    assert events(db, "second_factor_removed")[-1] == ("second_factor_removed", {"username": "ivy"})
    assert password_step(people.test_client(), "ivy").location.endswith("/login/second-factor")  # a new phone


def test_anyone_sets_up_an_app_from_their_settings_makes_new_codes_and_removes_it(people, db, clock):
    client = people.test_client()
    login(client, "sam", PASSWORD)
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "Set up an authenticator app" in page
    authenticator.add("sam", authenticator.secret_on(page))
    without_password = post(client, "/account/second-factor", code="123456")
    assert without_password.status_code == 400 and b"That is not your password" in without_password.data
    done = post(client, "/account/second-factor", code=authenticator.code_for("sam"), password=PASSWORD)
    assert b"Your recovery codes" in done.data
    status = client.get("/account/second-factor").get_data(as_text=True)
    assert "10 of 10" in status and "you chose to use one" in status
    assert b"Make new recovery codes?" in client.get("/account/second-factor/recovery-codes").data
    refused = post(client, "/account/second-factor/recovery-codes")  # a stolen session does not know it
    assert refused.status_code == 400 and b"That is not your password" in refused.data
    fresh = post(client, "/account/second-factor/recovery-codes", password=PASSWORD)
    assert b"no longer work" in fresh.data
    wrong = post(client, "/account/second-factor/remove", password="wrong")
    assert wrong.status_code == 400 and b"That is not your password" in wrong.data
    assert post(client, "/account/second-factor/remove", password=PASSWORD).status_code == 302
    assert password_step(people.test_client(), "sam").location.endswith("/inbox")
    assert [kind for kind, _ in events(db, "second_factor_enrolled", "recovery_codes_replaced",
                                       "second_factor_removed")] == [
        "second_factor_enrolled", "recovery_codes_replaced", "second_factor_removed"]
