"""The API token pages and changing one's password, through the Flask test client: a token is shown once,
revoked after a confirmation by its owner or an admin; a password change keeps this session and ends the others."""
import re

from sqlalchemy import select

from engine.identity import accounts, sessions, tokens
from engine.store.models import ApiToken
from tests.conftest import add_user
from tests.web.test_login_inbox import csrf_token, login
from web.pages.auth import SESSION_CLOCK

PASSWORD = "correct horse battery"
NEW = "lantern orchard pebble"


def signed_in(app, username, password=PASSWORD):
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client


def post_form(client, path, data, form_page=None):
    page = client.get(form_page or path)
    return client.post(path, data={**data, "csrf_token": csrf_token(page.data)})


def shown_token(page: bytes) -> str:
    return re.search(rb'id="token"[^>]*value="([^"]+)"', page).group(1).decode()


def api_status(app, token):
    return app.test_client().get("/api/v1/me/tokens", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_new_token_is_shown_once_and_then_listed_by_name_only(app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    client = signed_in(app, "sam")
    assert b"You have no API tokens" in client.get("/account/api-tokens").data
    made = post_form(client, "/account/api-tokens", {"name": "Monthly report", "days": "30"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    assert b"This is the only time the token is shown" in made.data
    token = shown_token(made.data)
    assert api_status(app, token) == 200
    listed = client.get("/account/api-tokens").data.decode()
    assert "Monthly report" in listed and token not in listed and "Active" in listed and "1 April 2026" in listed


def test_a_token_form_with_no_name_or_expiry_is_shown_again_with_the_errors(app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    client = signed_in(app, "sam")
    no_name = post_form(client, "/account/api-tokens", {"name": " ", "days": "90"})
    assert no_name.status_code == 400 and b'href="#name"' in no_name.data and b"Error: " in no_name.data
    no_days = post_form(client, "/account/api-tokens", {"name": "script", "days": "7"})
    assert no_days.status_code == 400 and b"Choose how long the token works" in no_days.data
    assert b'value="script"' in no_days.data
    with db.reading() as s:
        assert s.scalars(select(ApiToken)).all() == []


def test_the_owner_revokes_after_confirming_and_the_token_gets_401(app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    token = db.writing(lambda s: tokens.create_token(s, username="sam", actor="sam", clock=clock, name="laptop"))
    client = signed_in(app, "sam")
    confirm = client.get("/account/api-tokens/1/revoke")
    assert confirm.status_code == 200 and "Revoke “laptop”?" in confirm.data.decode()
    assert api_status(app, token) == 200  # asking is not revoking
    done = post_form(client, "/account/api-tokens/1/revoke", {})
    assert done.status_code == 302 and done.location.endswith("/account/api-tokens")
    assert api_status(app, token) == 401
    assert "Revoked the API token “laptop”" in client.get("/account/api-tokens").data.decode()


def test_an_admin_lists_everyones_tokens_and_revokes_one_but_others_cannot(app, db, clock):
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    add_user(db, clock, "kim", "sponsor", password=PASSWORD)
    token = db.writing(lambda s: tokens.create_token(s, username="sam", actor="sam", clock=clock, name="server"))
    kim = signed_in(app, "kim")
    assert kim.get("/admin/api-tokens").status_code == 403
    assert kim.get("/admin/api-tokens/1/revoke").status_code == 403
    assert kim.get("/account/api-tokens/1/revoke").status_code == 404
    assert kim.post("/account/api-tokens/1/revoke", data={"csrf_token": csrf_token(
        kim.get("/account/api-tokens").data)}).status_code == 404
    assert api_status(app, token) == 200
    ada = signed_in(app, "ada")
    everyone = ada.get("/admin/api-tokens").data.decode()
    assert "server" in everyone and "sam" in everyone
    done = post_form(ada, "/admin/api-tokens/1/revoke", {})
    assert done.status_code == 302 and done.location.endswith("/admin/api-tokens")
    assert api_status(app, token) == 401
    assert "Revoked" in ada.get("/admin/api-tokens").data.decode()


def test_changing_ones_password_keeps_this_session_and_signs_out_the_others(app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    here, elsewhere = signed_in(app, "sam"), signed_in(app, "sam")
    changed = post_form(here, "/account/password", {"current_password": PASSWORD, "new_password": NEW,
                                                    "confirm_password": NEW})
    assert changed.status_code == 302
    assert "Changed your password" in here.get(changed.location).data.decode()
    assert elsewhere.get("/inbox").status_code == 302  # to the sign-in page
    assert login(app.test_client(), "sam", PASSWORD).status_code == 401
    assert login(app.test_client(), "sam", NEW).status_code == 302


def test_a_weak_new_password_or_wrong_current_one_is_shown_against_its_field(app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    client = signed_in(app, "sam")
    weak = post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "password1234",
                                                   "confirm_password": "password1234"})
    assert weak.status_code == 400 and b'href="#new_password"' in weak.data
    assert b"This is one of the most commonly used passwords. Try three random words." in weak.data
    wrong = post_form(client, "/account/password", {"current_password": "nope", "new_password": NEW,
                                                    "confirm_password": NEW})
    assert wrong.status_code == 400 and b"Your current password is not right." in wrong.data
    for _ in range(4):
        post_form(client, "/account/password", {"current_password": "nope", "new_password": NEW,
                                                "confirm_password": NEW})
    throttled = post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": NEW,
                                                        "confirm_password": NEW})
    assert throttled.status_code == 429 and b"try again in 15 minutes" in throttled.data


def test_someone_without_a_password_is_told_their_organisations_account_is_used(app, db, clock):
    add_user(db, clock, "nia", "board_member")  # no password: she signs in through her organisation
    with db.reading() as s:
        nia = accounts.require_user(s, "nia")
    token = db.writing(lambda s: sessions.open_session(s, user=nia, clock=SESSION_CLOCK, provider="nhs"))
    client = app.test_client()
    with client.session_transaction() as cookie:  # as single sign-on leaves it (Flask-Login keeps the token)
        cookie["_user_id"] = token
        cookie["_fresh"] = True
    page = client.get("/account/password")
    assert page.status_code == 200 and b"Your password is your organisation" in page.data
    assert b'type="password"' not in page.data
