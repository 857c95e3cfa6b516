"""The auditors' record of sign-ins under attack: who may read it (a partner holding the auditor role too), and
whether it says truly how someone signed in. Through the Flask test client on a real database."""
import pyotp

from engine.history import sign_ins
from engine.identity import accounts, tokens
from engine.identity import second_factor as factor
from tests.conftest import add_user
from tests.web.test_login_inbox import csrf_token, login
from web.pages.auth import SESSION_CLOCK

PASSWORD = "correct horse battery"


def password_step(client, username):
    page = client.get("/login").data
    return client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_token(page)})


def test_nobody_outside_the_hub_reads_sign_ins_by_page_csv_or_api(app, db, clock, minimal):
    """Guard: a partner who also holds the auditor role (or admin-free hub staff) reads no sign-ins anywhere."""
    add_user(db, clock, "ivy", "industry_partner", "auditor", org="Medtech Ltd", password=PASSWORD)
    add_user(db, clock, "hana", "hub_team", "board_chair", password=PASSWORD)
    for username in ("ivy", "hana"):
        client = app.test_client()
        assert login(client, username, PASSWORD).status_code == 302
        assert client.get("/audit/sign-ins").status_code == 403
        assert client.get("/audit/sign-ins.csv").status_code == 403
        assert client.get("/audit/sign-ins.csv?person=ivy&group=failures").status_code == 403
        token = db.writing(lambda s, u=username: tokens.create_token(s, username=u, actor="test", clock=clock))
        api = app.test_client().get("/api/v1/audit/sign-ins", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 403 and b"127.0.0.1" not in api.data


def test_a_password_only_sign_in_is_never_said_to_have_used_the_app(app, db, clock, minimal):
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    add_user(db, clock, "aud", "auditor", password=PASSWORD)
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    secret, now = factor.new_secret(), SESSION_CLOCK.now()
    db.writing(lambda s: factor.confirm_enrolment(s, accounts.require_user(s, "ivy"), secret=secret,
                                                  code=pyotp.TOTP(secret).at(now), at=now, clock=clock))
    assert password_step(app.test_client(), "ivy").location.endswith("/login/code")  # then left at the code
    db.writing(lambda s: factor.remove_second_factor(s, "ivy", actor=accounts.require_user(s, "ada"), clock=clock))
    assert password_step(app.test_client(), "ivy").location.endswith("/inbox")  # the password alone, now
    found = db.reading_then_writing(lambda s: sign_ins.read_sign_ins(
        s, user=accounts.require_user(s, "aud"), clock=clock, filters=sign_ins.filters_of(person="ivy")))
    last = next(row for row in found.rows if row.kind == "login_succeeded")
    assert last.how == "password", last.how


def test_a_sign_in_with_a_code_is_said_in_words_only(app, db, clock, minimal):
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    add_user(db, clock, "aud", "auditor", password=PASSWORD)
    secret, now = factor.new_secret(), SESSION_CLOCK.now()
    db.writing(lambda s: factor.confirm_enrolment(s, accounts.require_user(s, "ivy"), secret=secret,
                                                  code=pyotp.TOTP(secret).at(now), at=now, clock=clock))
    client = app.test_client()
    assert password_step(client, "ivy").location.endswith("/login/code")
    code = pyotp.TOTP(secret).at(now.timestamp() + 30)
    assert client.post("/login/code", data={"code": code, "csrf_token": csrf_token(client.get("/login/code").data)}
                       ).status_code == 302
    auditor = app.test_client()
    assert login(auditor, "aud", PASSWORD).status_code == 302
    for answer in (auditor.get("/audit/sign-ins?person=ivy"), auditor.get("/audit/sign-ins.csv?person=ivy")):
        said = answer.get_data(as_text=True)
        assert "Password and authenticator app" in said
        assert "authenticator_app" not in said and "second step" not in said.lower()
