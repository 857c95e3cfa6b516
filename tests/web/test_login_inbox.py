"""Sign-in and the minimal inbox through the Flask test client."""
import re

from tests.conftest import add_user


def csrf_token(page: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()


def login(client, username, password):
    page = client.get("/login").data
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(page)})


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
