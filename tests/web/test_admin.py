"""The admin pages through the test client: only admins, CSRF on every change, and the effect of
adding and disabling users on sign-in and API tokens."""
import re

from engine.identity import accounts, tokens
from tests.conftest import Api, add_user
from tests.web.test_login_inbox import csrf_token, login

PASSWORD = "correct horse battery"


def admin_client(app, db, clock):
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    client = app.test_client()
    assert login(client, "ada", PASSWORD).status_code == 302
    return client


def post_form(client, path, data):
    page = client.get(path)
    assert page.status_code == 200, page.data
    return client.post(path, data={**data, "csrf_token": csrf_token(page.data)})


def test_only_admins_see_the_admin_pages(app, db, clock):
    add_user(db, clock, "sam", "sponsor", "auditor", password=PASSWORD)
    assert app.test_client().get("/admin").status_code == 302  # not signed in: to the sign-in page
    client = app.test_client()
    login(client, "sam", PASSWORD)
    for path in ("/admin", "/admin/users/new", "/admin/users/sam", "/admin/users/sam/disable"):
        assert client.get(path).status_code == 403, path


def test_the_user_list_shows_names_roles_organisations_and_status(app, db, clock):
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Innovations Ltd")
    page = admin_client(app, db, clock).get("/admin").data.decode()
    assert "<caption" in page and "<code class=\"app-username\">ivy</code>" in page and "Industry partner" in page
    assert "Medtech Innovations Ltd" in page and "Active" in page


def test_an_admin_adds_a_user_who_can_then_sign_in(app, db, clock):
    client = admin_client(app, db, clock)
    form = client.get("/admin/users/new").data.decode()
    assert "<fieldset" in form and ">Roles</legend>" in form and 'for="username"' in form
    added = post_form(client, "/admin/users/new", {"username": "pat", "display_name": "Pat Jones",
                                                   "password": PASSWORD, "roles": ["sponsor", "auditor"]})
    assert added.status_code == 302 and added.location.endswith("/admin/")
    assert "Added Pat Jones. They can sign in now as pat." in client.get("/admin").data.decode()
    pat = app.test_client()
    assert login(pat, "pat", PASSWORD).location.endswith("/inbox")
    assert "Pat Jones" in pat.get("/inbox").data.decode()


def test_a_refused_new_user_shows_an_error_summary_linked_to_the_fields(app, db, clock):
    client = admin_client(app, db, clock)
    refused = post_form(client, "/admin/users/new", {"username": "ivy", "display_name": "Ivy",
                                                     "password": PASSWORD, "roles": ["industry_partner"]})
    page = refused.data.decode()
    assert refused.status_code == 400 and "There is a problem" in page
    assert re.search(r'<a href="#organisation">[^<]*organisation', page)
    assert 'aria-invalid="true"' in page and re.search(r'value="industry_partner"\s+checked', page)
    taken = post_form(client, "/admin/users/new", {"username": "ada", "display_name": "Ada",
                                                   "password": PASSWORD, "roles": ["admin"]})
    assert taken.status_code == 409 and "This username is taken." in taken.data.decode()
    missing = post_form(client, "/admin/users/new", {"username": "", "display_name": "", "password": ""})
    assert missing.status_code == 400 and '<a href="#username">Enter a username.</a>' in missing.data.decode()


def test_an_admin_changes_roles_and_organisation(app, db, clock):
    add_user(db, clock, "ivy", "board_member")
    client = admin_client(app, db, clock)
    assert re.search(r'value="board_member"\s+checked', client.get("/admin/users/ivy").data.decode())
    saved = post_form(client, "/admin/users/ivy", {"roles": ["industry_partner"], "organisation": "Medtech"})
    assert saved.status_code == 302
    with db.reading() as s:
        ivy = accounts.require_user(s, "ivy")
        assert ivy.roles == {"industry_partner"} and ivy.organisation_name == "Medtech"
    own = post_form(client, "/admin/users/ada", {"roles": ["auditor"]})
    assert own.status_code == 409 and "Keep the admin role on your own account." in own.data.decode()


def test_disabling_asks_first_then_stops_sign_in_and_api_tokens(app, db, clock):
    add_user(db, clock, "pat", "sponsor", password=PASSWORD)
    token = db.writing(lambda s: tokens.create_token(s, username="pat", actor="test", clock=clock))
    api = Api(app, token)
    assert api.get("/tasks").status_code == 200
    pat = app.test_client()
    login(pat, "pat", PASSWORD)
    client = admin_client(app, db, clock)
    confirm = client.get("/admin/users/pat/disable")
    assert b"Yes, disable pat" in confirm.data
    with db.reading() as s:
        assert accounts.require_user(s, "pat").active  # asking changed nothing
    disabled = client.post("/admin/users/pat/disable", data={"csrf_token": csrf_token(confirm.data)})
    assert disabled.status_code == 302
    assert api.get("/tasks").status_code == 401
    assert pat.get("/inbox").status_code == 302  # signed out on the next request
    assert login(app.test_client(), "pat", PASSWORD).status_code == 401
    enabled = client.post("/admin/users/pat/enable", data={"csrf_token": csrf_token(client.get("/admin").data)})
    assert enabled.status_code == 302 and api.get("/tasks").status_code == 401  # its tokens were revoked, not suspended
    assert login(app.test_client(), "pat", PASSWORD).status_code == 302


def test_an_admin_cannot_disable_themselves(app, db, clock):
    client = admin_client(app, db, clock)
    refused = post_form(client, "/admin/users/ada/disable", {})
    assert refused.status_code == 409 and "cannot disable your own account" in refused.data.decode()


def test_changes_without_a_csrf_token_are_refused(app, db, clock):
    add_user(db, clock, "pat", "sponsor", password=PASSWORD)
    client = admin_client(app, db, clock)
    posts = {"/admin/users/new": {"username": "eve", "display_name": "Eve", "password": PASSWORD,
                                  "roles": ["admin"]},
             "/admin/users/pat": {"roles": ["admin"]}, "/admin/users/pat/disable": {},
             "/admin/users/pat/enable": {}}
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 400, path
    with db.reading() as s:
        assert accounts.get_user(s, "eve") is None and accounts.require_user(s, "pat").roles == {"sponsor"}


def test_repeated_failed_sign_ins_get_429_with_the_generic_message(app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    client = app.test_client()
    for _ in range(5):
        assert login(client, "sam", "wrong").status_code == 401
    locked = login(client, "sam", PASSWORD)
    page = locked.data.decode()
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "900"
    assert "The username or password is not right. Too many attempts, try again in 15 minutes." in page
    clock.advance(minutes=15)
    assert login(client, "sam", PASSWORD).status_code == 302
