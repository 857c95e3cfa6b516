"""The second factor under attack: a stolen session that guesses the password where nothing counts the guesses, or
replaces the recovery codes without proving who it is; the half-signed-in state; replayed codes; the key in the
cookie. Through the Flask test client on a real database."""
import base64
import re
import zlib

import pyotp
import pytest

from engine.identity import accounts
from engine.identity import second_factor as factor
from engine.store.trail import SYSTEM_CHAIN, list_events
from tests import authenticator
from tests.conftest import add_user
from tests.web.test_login_inbox import csrf_token, login

PASSWORD = "correct horse battery"
CODE_SHAPE = r"<code[^>]*>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})</code>"


def post(client, path, **fields):
    return client.post(path, data={**fields, "csrf_token": csrf_token(client.get(path).data)})


def password_step(client, username, password=PASSWORD):
    page = client.get("/login").data
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(page)})


@pytest.fixture
def ivy(app, db, clock, minimal):
    """A partner who must use an app (the demo's rule), signed in with it: her browser."""
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    db.writing(lambda s: factor.add_rule(s, scope="role", value="industry_partner",
                                         actor=accounts.require_user(s, "ada"), clock=clock))
    client = app.test_client()
    assert login(client, "ivy", PASSWORD).status_code == 302
    assert client.get("/inbox").status_code == 200
    return client


def has_app(db, username) -> bool:
    return db.writing(lambda s: factor.has_second_factor(accounts.require_user(s, username)))


def test_a_stolen_session_cannot_guess_the_password_on_the_remove_your_app_page(ivy, db):
    """review14 F1 (fixed in 584c84a): the password asked again is throttled and recorded as at sign-in."""
    for guess in ("password-guess-1", "password-guess-2", "password-guess-3", "password-guess-4",
                  "password-guess-5", "password-guess-6"):
        assert post(ivy, "/account/second-factor/remove", password=guess).status_code in (400, 429)
    found = post(ivy, "/account/second-factor/remove", password=PASSWORD)  # the guess that would be right
    assert found.status_code == 429, "the sixth guess in a row should be throttled as at sign-in"
    assert has_app(db, "ivy")
    with db.reading() as s:
        failures = [e for e in list_events(s, SYSTEM_CHAIN) if e.kind in ("login_failed", "second_factor_failed")]
    assert len(failures) >= 5  # each wrong guess on the record, for the auditors' page


def test_new_recovery_codes_need_more_than_a_stolen_session(ivy, db, clock):
    """review14 F6 (fixed in 584c84a): new recovery codes ask for the password again."""
    shown = post(ivy, "/account/second-factor/recovery-codes")
    assert re.findall(CODE_SHAPE, shown.get_data(as_text=True)) == []
    assert [e.kind for e in _events(db) if e.kind == "recovery_codes_replaced"] == []


def test_the_key_being_set_up_is_not_readable_in_the_cookie(app, db, clock, minimal):
    """review14 F8 (fixed in 584c84a): Flask's cookie session is signed, not encrypted; it holds only a nonce."""
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    client = app.test_client()
    assert login(client, "sam", PASSWORD).status_code == 302
    key = authenticator.secret_on(client.get("/account/second-factor").data)
    assert key not in _cookie_session_text(client)


def _cookie_session_text(client) -> str:
    """The Flask session cookie's payload as anyone holding the cookie can read it (no secret key needed)."""
    value = client.get_cookie("session").value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def _events(db):
    with db.reading() as s:
        return list_events(s, SYSTEM_CHAIN)


def test_half_signed_in_reaches_no_page_and_no_api_and_a_used_code_is_refused(app, db, clock, minimal):
    """Guard: a right password alone opens nothing; a code is taken once; a recovery code once."""
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    secret = factor.new_secret()
    totp = pyotp.TOTP(secret)
    from web.pages.auth import SESSION_CLOCK
    now = SESSION_CLOCK.now()
    codes = db.writing(lambda s: factor.confirm_enrolment(s, accounts.require_user(s, "ivy"), secret=secret,
                                                          code=totp.at(now), at=now, clock=clock))
    thief = app.test_client()
    assert password_step(thief, "ivy").location.endswith("/login/code")
    for path in ("/inbox", "/account/api-tokens", "/account/second-factor", "/account/password", "/audit/sign-ins"):
        assert thief.get(path).status_code == 302, path  # to the sign-in page
    assert thief.get("/api/v1/me/tokens").status_code == 401
    form_token = csrf_token(thief.get("/login").data)
    assert thief.post("/account/api-tokens", data={"name": "x", "days": "30", "csrf_token": form_token}).status_code \
        == 302
    used = totp.at(now)  # the code that set the app up, seen over her shoulder
    assert post(thief, "/login/code", code=used).status_code == 401
    assert thief.get("/inbox").status_code == 302
    owner = app.test_client()
    assert password_step(owner, "ivy").location.endswith("/login/code")
    assert post(owner, "/login/code", recovery_code=codes[0].lower()).status_code == 302
    again = app.test_client()
    password_step(again, "ivy")
    assert post(again, "/login/code", recovery_code=codes[0]).status_code == 401


def test_guessing_codes_after_a_right_password_is_locked_out_and_on_the_record(app, db, clock, minimal):
    """Guard: five wrong codes lock the account at that address, even with the right code next."""
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    secret = factor.new_secret()
    from web.pages.auth import SESSION_CLOCK
    now = SESSION_CLOCK.now()
    db.writing(lambda s: factor.confirm_enrolment(s, accounts.require_user(s, "ivy"), secret=secret,
                                                  code=pyotp.TOTP(secret).at(now), at=now, clock=clock))
    thief = app.test_client()
    password_step(thief, "ivy")
    wrong = [f"{n:06d}" for n in range(7) if f"{n:06d}" not in
             {pyotp.TOTP(secret).at(now.timestamp() + 30 * d) for d in (-1, 0, 1)}][:5]
    assert [post(thief, "/login/code", code=code).status_code for code in wrong] == [401] * 5
    right = pyotp.TOTP(secret).at(now.timestamp() + 30)
    assert post(thief, "/login/code", code=right).status_code == 429
    assert thief.get("/inbox").status_code == 302
    assert password_step(app.test_client(), "ivy").status_code == 429
    kinds = [e.kind for e in _events(db)]
    assert kinds.count("second_factor_failed") >= 4 and kinds.count("login_locked_out") == 1


def test_setting_up_an_app_from_settings_needs_more_than_a_stolen_session(app, db, clock, minimal):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    stolen = app.test_client()
    assert login(stolen, "sam", PASSWORD).status_code == 302
    page = stolen.get("/account/second-factor").data
    key = authenticator.secret_on(page)
    stolen.post("/account/second-factor", data={"code": pyotp.TOTP(key).now(), "csrf_token": csrf_token(page)})
    assert not has_app(db, "sam")


def test_half_signed_in_cannot_be_made_without_the_password(app, db, clock, minimal):
    from web.pages import second_factor as pages
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    db.writing(lambda s: factor.add_rule(s, scope="role", value="industry_partner",
                                         actor=accounts.require_user(s, "ada"), clock=clock))
    ivy_id = db.writing(lambda s: accounts.require_user(s, "ivy").id)
    from web.pages.auth import SESSION_CLOCK
    forged = ({"user_id": ivy_id, "address": "127.0.0.1", "started": SESSION_CLOCK.now().timestamp()},  # as it was
              "a-token-of-the-forgers-choosing")  # as the cookie holds it now (a random token)
    for claim in forged:
        forger = app.test_client()
        forger.get("/login")
        forger.set_cookie("session", app.session_interface.get_signing_serializer(app).dumps({pages.HALF: claim}))
        page = forger.get("/login/second-factor")
        if page.status_code == 200:
            key = authenticator.secret_on(page.data)
            forger.post("/login/second-factor", data={"code": pyotp.TOTP(key).now(),
                                                      "csrf_token": csrf_token(page.data)})
        assert forger.get("/inbox").status_code == 302, "signed in as ivy without her password"
        assert not has_app(db, "ivy")


def test_the_password_alone_cannot_replace_an_app_already_set_up(app, db, clock, minimal):
    """Guard: someone with only the password is asked for a code; the set-up step sends them back to sign in."""
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    secret = factor.new_secret()
    from web.pages.auth import SESSION_CLOCK
    now = SESSION_CLOCK.now()
    db.writing(lambda s: factor.confirm_enrolment(s, accounts.require_user(s, "ivy"), secret=secret,
                                                  code=pyotp.TOTP(secret).at(now), at=now, clock=clock))
    thief = app.test_client()
    assert password_step(thief, "ivy").location.endswith("/login/code")
    assert thief.get("/login/second-factor").status_code == 302
    token = csrf_token(thief.get("/login").data)
    assert thief.post("/login/second-factor", data={"code": "123456", "csrf_token": token}).status_code == 302
    assert db.writing(lambda s: accounts.require_user(s, "ivy").totp_secret) == secret
    assert thief.get("/inbox").status_code == 302


def test_guessing_the_password_on_the_set_up_page_is_throttled(app, db, clock, minimal):
    """Guard: the password asked before setting up an app from settings is throttled like sign-in (429, not 500)."""
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    stolen = app.test_client()
    assert login(stolen, "sam", PASSWORD).status_code == 302
    page = stolen.get("/account/second-factor").data
    key = authenticator.secret_on(page)
    statuses = [stolen.post("/account/second-factor", data={
        "code": pyotp.TOTP(key).now(), "password": f"guess number {n}", "csrf_token": csrf_token(page)}).status_code
        for n in range(6)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429, statuses
    right = stolen.post("/account/second-factor", data={"code": pyotp.TOTP(key).now(), "password": PASSWORD,
                                                        "csrf_token": csrf_token(page)})
    assert right.status_code == 429 and not has_app(db, "sam")


def test_signing_in_over_someone_elses_session_ends_it(app, db, clock, minimal):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    add_user(db, clock, "bea", "board_member", password=PASSWORD)
    pc = app.test_client()
    assert login(pc, "sam", PASSWORD).status_code == 302
    copy = app.test_client()  # a copy of sam's cookie (taken from the PC, or a proxy's log)
    copy.set_cookie("session", pc.get_cookie("session").value)
    assert copy.get("/inbox").status_code == 200
    assert login(pc, "bea", PASSWORD).status_code == 302  # the next person signs in without sam signing out
    assert copy.get("/inbox").status_code == 302, "sam's session still open after bea signed in over it"
