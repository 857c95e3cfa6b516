"""REST API /me/tokens: the caller lists, makes and revokes their own API tokens; an expired or revoked token
gets 401, and someone else's token is not found."""
from engine.identity import tokens
from tests.conftest import Api


def delete(api, path):
    return api.client.delete(f"/api/v1{path}", headers=api.headers)


def test_a_token_made_through_the_api_works_at_once_and_its_owner_sees_it_but_never_the_token(app, api_as):
    sam = api_as("sam", "sponsor")
    made = sam.post("/me/tokens", json={"name": "Nightly export", "days": 30})
    assert made.status_code == 201
    assert made.json["name"] == "Nightly export" and made.json["status"] == "active" and made.json["expires_at"]
    new = Api(app, made.json["token"])
    listed = new.get("/me/tokens").json["tokens"]
    assert [t["name"] for t in listed] == ["Nightly export", "API token"]
    assert all("token" not in t for t in listed) and made.json["token"] not in str(listed)
    assert listed[0]["last_used_at"] is not None  # just used, to list them
    assert sam.post("/me/tokens", json={"name": "x"}).json["expires_at"] > made.json["expires_at"]  # 90 days


def test_a_revoked_token_gets_401_and_revoking_again_still_answers_revoked(app, api_as):
    sam = api_as("sam", "sponsor")
    made = sam.post("/me/tokens", json={"name": "laptop"}).json
    other = Api(app, made["token"])
    assert delete(sam, f"/me/tokens/{made['id']}").json == {"revoked": True}
    refused = other.get("/me/tokens")
    assert refused.status_code == 401 and "expired or revoked" in refused.json["error"]["message"]
    assert delete(sam, f"/me/tokens/{made['id']}").status_code == 200
    assert [t["status"] for t in sam.get("/me/tokens").json["tokens"]] == ["revoked", "active"]


def test_an_expired_token_gets_401(app, api_as, clock):
    sam = api_as("sam", "sponsor")
    short = Api(app, sam.post("/me/tokens", json={"name": "one day", "days": 1}).json["token"])
    assert short.get("/me/tokens").status_code == 200
    clock.advance(days=1)
    assert short.get("/me/tokens").status_code == 401
    assert sam.get("/me/tokens").status_code == 200  # the fixture's token has 90 days


def test_someone_elses_token_is_not_found_even_for_an_admin_here(app, api_as, db, clock):
    sam, kim, ada = api_as("sam", "sponsor"), api_as("kim", "sponsor"), api_as("ada", "admin")
    made = sam.post("/me/tokens", json={"name": "mine"}).json
    for stranger in (kim, ada):
        refused = delete(stranger, f"/me/tokens/{made['id']}")
        assert refused.status_code == 404 and refused.json["error"]["code"] == "not_found"
    assert delete(kim, "/me/tokens/2147483647").status_code == 404
    assert Api(app, made["token"]).get("/me/tokens").status_code == 200
    assert "mine" not in str(kim.get("/me/tokens").json)


def test_bad_names_and_lengths_are_refused_with_the_field_at_fault(api_as):
    sam = api_as("sam", "sponsor")
    for body, field in (({}, "name"), ({"name": "  "}, "name"), ({"name": "x" * 101}, "name"), ({"name": 7}, "name"),
                        ({"name": "x", "days": 0}, "days"), ({"name": "x", "days": 366}, "days"),
                        ({"name": "x", "days": "30"}, "days"), ({"name": "x", "days": True}, "days")):
        refused = sam.post("/me/tokens", json=body)
        assert refused.status_code == 400 and field in refused.json["error"]["fields"], body
    assert len(sam.get("/me/tokens").json["tokens"]) == 1


def test_a_token_is_used_without_a_write_each_request(app, api_as, db, clock):
    sam = api_as("sam", "sponsor")
    sam.get("/me/tokens")
    with db.reading() as s:
        [first] = tokens.list_tokens(s, "sam", actor=tokens.require_user(s, "sam"), clock=clock)
    clock.advance(minutes=2)
    sam.get("/me/tokens")
    with db.reading() as s:
        [second] = tokens.list_tokens(s, "sam", actor=tokens.require_user(s, "sam"), clock=clock)
    assert first.last_used_at == second.last_used_at
