"""API tokens under attack: a stolen token or session turned into a lasting credential, and tokens coming back to
life. Through the Flask test client and the engine, on a real database."""
import re
from datetime import datetime, timedelta

from engine.errors import ServiceError
from engine.identity import accounts, tokens
from tests.conftest import add_user
from tests.web.test_login_inbox import csrf_token, login

PASSWORD = "correct horse battery"
NEW = "lantern orchard pebble"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def works(app, token: str) -> bool:
    return app.test_client().get("/api/v1/me/tokens", headers=bearer(token)).status_code == 200


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def post_form(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client.get(path).data)})


def test_a_token_cannot_make_a_token_that_outlives_it(app, db, clock):
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd")
    parent = db.writing(lambda s: tokens.create_token(s, username="ivy", actor="test", clock=clock, name="ci", days=1))
    made = app.test_client().post("/api/v1/me/tokens", json={"name": "mine now", "days": 365}, headers=bearer(parent))
    if made.status_code == 201:  # allowed, then bounded by the maker: its expiry, and its revocation
        assert datetime.fromisoformat(made.json["expires_at"]) <= clock.now() + timedelta(days=1)
        parent_id = max(v.id for v in db.writing(lambda s: tokens.list_tokens(
            s, "ivy", actor=accounts.require_user(s, "ivy"), clock=clock)) if v.name == "ci")
        db.writing(lambda s: tokens.revoke_token(s, parent_id, actor=accounts.require_user(s, "ivy"), clock=clock))
        assert not works(app, made.json["token"])
    else:
        assert made.status_code == 403


def test_changing_ones_password_ends_the_token_a_thief_made_from_a_stolen_session(app, db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    stolen = signed_in(app, "sam")  # the thief holds a copy of sam's cookie
    made = post_form(stolen, "/account/api-tokens", {"name": "backup", "days": "365"})
    assert made.status_code == 200
    token = re.search(rb'id="token"[^>]*value="([^"]+)"', made.data).group(1).decode()
    owner = signed_in(app, "sam")  # sam notices, and changes the password from another browser
    changed = post_form(owner, "/account/password", {"current_password": PASSWORD, "new_password": NEW,
                                                     "confirm_password": NEW})
    assert changed.status_code == 302
    assert stolen.get("/inbox").status_code == 302  # the stolen session is signed out, as promised
    assert not works(app, token)  # ... and so is what the thief made with it


def test_re_enabling_an_account_does_not_bring_back_its_old_tokens(app, db, clock):
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    token = db.writing(lambda s: tokens.create_token(s, username="sam", actor="test", clock=clock, name="x"))

    def set_active(active):
        db.writing(lambda s: accounts.set_active(s, "sam", active=active, actor=accounts.require_user(s, "ada"),
                                                 clock=clock))
    set_active(False)
    assert not works(app, token)
    set_active(True)
    assert not works(app, token)


def test_nobody_but_the_owner_or_an_admin_lists_or_revokes_a_token_by_page_or_api(app, db, clock):
    """Guard: another user's token ids are not found, by page or API, and the token keeps working."""
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    token = db.writing(lambda s: tokens.create_token(s, username="sam", actor="test", clock=clock, name="sams"))
    token_id = db.writing(lambda s: tokens.list_tokens(s, "sam", actor=accounts.require_user(s, "sam"),
                                                       clock=clock))[0].id
    ivy_token = db.writing(lambda s: tokens.create_token(s, username="ivy", actor="test", clock=clock, name="i"))
    ivy = signed_in(app, "ivy")
    page = ivy.get("/account/api-tokens").data
    assert ivy.post(f"/account/api-tokens/{token_id}/revoke", data={"csrf_token": csrf_token(page)}).status_code == 404
    assert ivy.post(f"/admin/api-tokens/{token_id}/revoke", data={"csrf_token": csrf_token(page)}).status_code == 403
    assert ivy.get("/admin/api-tokens").status_code == 403
    api = app.test_client()
    assert api.delete(f"/api/v1/me/tokens/{token_id}", headers=bearer(ivy_token)).status_code == 404
    assert b"sams" not in api.get("/api/v1/me/tokens", headers=bearer(ivy_token)).data
    assert works(app, token)


def test_token_pages_refuse_a_post_without_the_csrf_token(app, db, clock):
    """Guard: every new form POST of issue 14 needs the CSRF token (a cross-site form cannot make, revoke, change)."""
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    token = db.writing(lambda s: tokens.create_token(s, username="ada", actor="test", clock=clock, name="t"))
    token_id = db.writing(lambda s: tokens.list_tokens(s, "ada", actor=accounts.require_user(s, "ada"),
                                                       clock=clock))[0].id
    from engine.identity import second_factor, single_sign_on
    nhs = single_sign_on.Provider(name="nhs", label="NHS", issuer="https://idp.example.org", client_id="c")
    mapping = db.writing(lambda s: single_sign_on.add_mapping(s, provider=nhs, group="g", role="auditor",
                                                              actor=accounts.require_user(s, "ada"), clock=clock).id)
    rule = db.writing(lambda s: second_factor.add_rule(s, scope="role", value="auditor",
                                                       actor=accounts.require_user(s, "ada"), clock=clock).id)
    client = signed_in(app, "ada")
    for path, data in ((f"/admin/single-sign-on/{mapping}/remove", {}),
                       (f"/admin/second-factor/{rule}/remove", {}),
                       ("/account/api-tokens", {"name": "x", "days": "30"}),
                       (f"/account/api-tokens/{token_id}/revoke", {}),
                       (f"/admin/api-tokens/{token_id}/revoke", {}),
                       ("/account/password", {"current_password": PASSWORD, "new_password": NEW,
                                              "confirm_password": NEW}),
                       ("/account/second-factor/recovery-codes", {}),
                       ("/account/second-factor/remove", {"password": PASSWORD}),
                       ("/admin/second-factor", {"scope": "role", "role": "sponsor"}),
                       ("/admin/users/ada/second-factor", {}),
                       ("/admin/single-sign-on", {"provider": "x", "group": "g", "role": "admin"}),
                       ("/login/code", {"code": "123456"}),
                       ("/login/second-factor", {"code": "123456"}),
                       ("/logout", {})):
        assert client.post(path, data=data).status_code == 400, path
    assert works(app, token)
    assert login(app.test_client(), "ada", PASSWORD).status_code == 302  # the password did not change
    with db.reading() as s:  # the mapping and the rule are still there
        assert [m.id for m in single_sign_on.list_mappings(s, actor=accounts.require_user(s, "ada"))] == [mapping]
        assert [r.id for r in second_factor.list_rules(s, actor=accounts.require_user(s, "ada"))] == [rule]


def test_the_api_takes_no_cookie_so_a_cross_site_post_makes_no_token(app, db, clock):
    """Guard: the API is exempt from the CSRF check because it reads only bearer tokens, never the page's cookie."""
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    browser = signed_in(app, "sam")
    made = browser.post("/api/v1/me/tokens", json={"name": "from another site", "days": 365})
    assert made.status_code == 401
    assert db.writing(lambda s: tokens.list_tokens(s, "sam", actor=accounts.require_user(s, "sam"),
                                                   clock=clock)) == []


def test_sign_in_goes_to_the_inbox_whatever_next_says(app, db, clock):
    """Guard: no open redirect after signing in (the login page's next= is never followed)."""
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    client = app.test_client()
    page = client.get("/login?next=https://evil.example/").data
    answer = client.post("/login?next=https://evil.example/", data={
        "username": "sam", "password": PASSWORD, "next": "//evil.example", "csrf_token": csrf_token(page)})
    assert answer.status_code == 302 and answer.location.endswith("/inbox")


def test_a_token_is_not_made_with_a_token_revoked_meanwhile(app, db, clock):
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd")

    def ivy(s):
        return accounts.require_user(s, "ivy")
    db.writing(lambda s: tokens.create_token(s, username="ivy", actor="test", clock=clock, name="stolen", days=30))
    stolen_id = db.writing(lambda s: tokens.list_tokens(s, "ivy", actor=ivy(s), clock=clock))[0].id
    # The thief's request has passed the bearer check (web/api/bearer.py) when the owner revokes the token ...
    db.writing(lambda s: tokens.revoke_token(s, stolen_id, actor=ivy(s), clock=clock))
    # ... and then makes its token (web/api/tokens.py create, with made_with=g.api_token_id).
    try:
        child, _ = db.writing(lambda s: tokens.issue_token(s, username="ivy", actor="ivy", clock=clock, name="kept",
                                                            days=30, made_with=stolen_id))
    except ServiceError:  # refused: the fix
        return
    assert not works(app, child)


def test_a_token_of_someone_who_signs_in_only_through_a_provider_ends_with_the_providers_word(db, clock):
    """review14 F13 (fixed in a157c5a): Six Gates never hears that a provider disabled someone who left; their
    tokens work only while the provider vouched for them lately."""
    from engine.identity import single_sign_on
    provider = single_sign_on.Provider(name="nhs", label="NHS", issuer="https://idp.example.org", client_id="c")
    add_user(db, clock, "ada", "admin")
    db.writing(lambda s: single_sign_on.add_mapping(s, provider=provider, group="staff", role="hub_team",
                                                    actor=accounts.require_user(s, "ada"), clock=clock))

    def provider_signs_in():
        return db.writing(lambda s: single_sign_on.sign_in_with(
            s, provider, {"sub": "leaver", "preferred_username": "leo", "groups": ["staff"]}, address="x",
            clock=clock))
    provider_signs_in()
    token = db.writing(lambda s: tokens.create_token(s, username="leo", actor="leo", clock=clock, days=365))

    def token_works():
        return db.writing(lambda s: tokens.user_id_for_token(s, token, clock=clock)) is not None
    assert token_works()
    clock.advance(days=tokens.PROVIDER_WORD.days + 1)  # Leo left the trust; the provider no longer signs him in
    assert not token_works()
    provider_signs_in()  # ... or he is back
    assert token_works()


def test_someone_who_must_set_up_an_app_makes_no_token_before_they_have(app, db, clock):
    from engine.identity import second_factor
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    ivy = signed_in(app, "ivy")  # before the rule
    db.writing(lambda s: second_factor.add_rule(s, scope="role", value="industry_partner",
                                                actor=accounts.require_user(s, "ada"), clock=clock))
    post_form(ivy, "/account/api-tokens", {"name": "for ever", "days": "365"})
    assert db.writing(lambda s: tokens.list_tokens(s, "ivy", actor=accounts.require_user(s, "ivy"),
                                                   clock=clock)) == []
