"""Sign-in and the minimal inbox through the Flask test client."""
import re
from dataclasses import replace

from tests import authenticator
from tests.conftest import add_user, settings_for


def csrf_token(page: bytes) -> str:
    field = re.search(rb'<input[^>]*name="csrf_token"[^>]*>', page).group(0)
    return re.search(rb'value="([^"]+)"', field).group(1).decode()


def login(client, username, password):
    """Sign in, setting up or using an authenticator app when the site asks (tests.authenticator)."""
    page = client.get("/login").data
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(page)})
    return authenticator.finish_sign_in(client, username, answer, csrf_token)


def test_sign_in_shows_the_inbox_and_a_wrong_password_a_generic_message(app, db, clock, minimal):
    add_user(db, clock, "sam", "sponsor", password="correct horse")
    client = app.test_client()
    failed = login(client, "sam", "wrong")
    assert failed.status_code == 401 and b"The username or password is not right." in failed.data
    unknown = login(client, "nobody", "wrong")
    assert b"The username or password is not right." in unknown.data
    response = login(client, "sam", "correct horse")
    assert response.status_code == 302 and response.location.endswith("/inbox")
    inbox = client.get("/inbox")
    assert inbox.status_code == 200 and b"Your tasks" in inbox.data


def test_inbox_needs_sign_in_and_posts_need_csrf(app, db, clock):
    add_user(db, clock, "sam", "sponsor", password="correct horse")
    client = app.test_client()
    assert client.get("/inbox").status_code == 302
    refused = client.post("/login", data={"username": "sam", "password": "correct horse"})
    assert refused.status_code in (400, 401) and b"/inbox" not in refused.headers.get("Location", "").encode()
    cookie = login(client, "sam", "correct horse").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_secure_when_served_over_https(db, clock):
    from web import create_app
    app = create_app(replace(settings_for(db), secure_cookies=True), clock=clock, testing=True)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    add_user(db, clock, "sam", "sponsor", password="correct horse")
    cookie = login(app.test_client(), "sam", "correct horse").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_sign_in_records_successes_and_failures_with_the_client_address(app, db, clock):
    from engine.store.trail import SYSTEM_CHAIN, list_events
    add_user(db, clock, "sam", "sponsor", password="correct horse")
    client = app.test_client()
    login(client, "sam", "wrong")
    login(client, "sam", "correct horse")
    with db.reading() as s:
        events = [(e.kind, e.actor, e.data_json) for e in list_events(s, SYSTEM_CHAIN) if e.kind.startswith("login")]
    assert events == [("login_failed", "anonymous", '{"address":"127.0.0.1","username":"sam"}'),
                      ("login_succeeded", "sam", '{"address":"127.0.0.1","username":"sam"}')]


def test_a_sponsor_proposes_a_challenge_from_the_inbox(app, db, clock, six_gates):
    add_user(db, clock, "sam", "sponsor", password="correct horse")
    add_user(db, clock, "hal", "hub_team", password="correct horse")
    client = app.test_client()
    login(client, "sam", "correct horse")
    inbox = client.get("/inbox").data
    assert b"Propose a new challenge" in inbox
    response = client.post("/projects/new", data={"csrf_token": csrf_token(inbox)})
    assert response.status_code == 302 and "/tasks/" in response.location
    assert b"Propose challenge" in client.get(response.location).data
    hub = app.test_client()
    login(hub, "hal", "correct horse")
    page = hub.get("/inbox").data
    assert b"Propose a new challenge" not in page
    assert hub.post("/projects/new", data={"csrf_token": csrf_token(page)}).status_code == 403
