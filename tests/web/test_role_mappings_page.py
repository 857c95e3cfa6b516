"""The single sign-on admin page: the providers this server trusts, the address to register with each, and which
groups grant which roles; admins only, each change confirmed where it takes something away, and on the record."""
import dataclasses
import json

import pytest
from sqlalchemy import select

from engine.identity.single_sign_on import Provider
from engine.store.models import AuditEvent, RoleMapping
from tests.conftest import add_user, settings_for
from tests.web.test_login_inbox import csrf_token, login

PASSWORD = "correct horse battery"
NHS = Provider(name="nhs", label="Sign in with your NHS account", issuer="https://login.example.org/tenant/v2.0",
               client_id="six-gates", client_secret="secret")
UHB = Provider(name="uhb", label="Sign in with your UHB account", issuer="https://idp.uhb.example.org",
               client_id="six-gates", organisation="University Hospitals Birmingham")


@pytest.fixture
def sso_app(db, clock):
    from web import create_app
    settings = dataclasses.replace(settings_for(db), sso_providers=(NHS, UHB), base_url="https://sixgates.example.org")
    return create_app(settings, clock=clock, testing=True)


def signed_in(app, db, clock, username="ada", *roles):
    add_user(db, clock, username, *(roles or ("admin",)), password=PASSWORD)
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def add_mapping(client, **form):
    token = csrf_token(client.get("/admin/single-sign-on").data)
    return client.post("/admin/single-sign-on", data={**form, "csrf_token": token})


def mapping_events(db):
    with db.reading() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.kind == "role_mapping_changed").order_by(AuditEvent.seq))
        return [(e.actor, json.loads(e.data_json)) for e in rows]


def test_the_page_shows_each_provider_and_the_address_to_register_with_it(sso_app, db, clock):
    page = signed_in(sso_app, db, clock).get("/admin/single-sign-on").data.decode()
    assert "Sign in with your NHS account" in page and "https://login.example.org/tenant/v2.0" in page
    assert "https://sixgates.example.org/login/sso/nhs/callback" in page
    assert "Accounts join University Hospitals Birmingham" in page
    assert "No group grants a role yet" in page


def test_an_admin_gives_a_group_a_role_and_it_is_on_the_record(sso_app, db, clock):
    client = signed_in(sso_app, db, clock)
    answer = add_mapping(client, provider="nhs", group="SixGates.BoardMember", role="board_member")
    assert answer.status_code == 302
    page = client.get("/admin/single-sign-on").data.decode()
    assert "SixGates.BoardMember" in page and "Board member" in page
    assert "are Board member from their next sign-in" in page
    assert mapping_events(db) == [("ada", {"change": "added", "provider": "nhs", "group": "SixGates.BoardMember",
                                           "role": "board_member"})]


@pytest.mark.parametrize("form, says", [
    ({"provider": "nhs", "group": " ", "role": "board_member"}, "Enter the group"),
    ({"provider": "nhs", "group": "g1", "role": "emperor"}, "Unknown role"),
    ({"provider": "nhs", "group": "g1", "role": "industry_partner"}, "set this provider&#39;s organisation first"),
    ({"provider": "okta", "group": "g1", "role": "hub_team"}, "Choose one of the identity providers"),
])
def test_a_mapping_that_cannot_work_is_refused_in_words_and_nothing_changes(sso_app, db, clock, form, says):
    answer = add_mapping(signed_in(sso_app, db, clock), **form)
    assert answer.status_code in (400, 404) and says in answer.data.decode()
    assert mapping_events(db) == []


def test_a_partner_role_comes_only_from_a_provider_whose_accounts_join_an_organisation(sso_app, db, clock):
    assert add_mapping(signed_in(sso_app, db, clock), provider="uhb", group="partners",
                       role="industry_partner").status_code == 302


def test_the_same_group_and_role_twice_is_refused(sso_app, db, clock):
    client = signed_in(sso_app, db, clock)
    add_mapping(client, provider="nhs", group="g1", role="hub_team")
    answer = add_mapping(client, provider="nhs", group="g1", role="hub_team")
    assert answer.status_code == 409 and "already grants that role" in answer.data.decode()


def test_removing_a_mapping_asks_first_and_then_is_on_the_record(sso_app, db, clock):
    client = signed_in(sso_app, db, clock)
    add_mapping(client, provider="nhs", group="g1", role="hub_team")
    with db.reading() as s:
        mapping_id = s.scalars(select(RoleMapping.id)).one()
    ask = client.get(f"/admin/single-sign-on/{mapping_id}/remove")
    assert ask.status_code == 200 and "Stop g1 granting Hub team?" in ask.data.decode()
    with db.reading() as s:
        assert s.get(RoleMapping, mapping_id) is not None  # asking removes nothing
    done = client.post(f"/admin/single-sign-on/{mapping_id}/remove", data={"csrf_token": csrf_token(ask.data)})
    assert done.status_code == 302
    with db.reading() as s:
        assert s.get(RoleMapping, mapping_id) is None
    assert mapping_events(db)[-1][1]["change"] == "removed"
    assert client.get(f"/admin/single-sign-on/{mapping_id}/remove").status_code == 404


def test_without_the_csrf_token_nothing_is_mapped(sso_app, db, clock):
    client = signed_in(sso_app, db, clock)
    answer = client.post("/admin/single-sign-on", data={"provider": "nhs", "group": "g1", "role": "hub_team"})
    assert answer.status_code == 400 and mapping_events(db) == []


@pytest.mark.parametrize("roles", [("hub_team",), ("auditor",), ("industry_partner",)])
def test_only_admins_reach_the_mapping(sso_app, db, clock, roles):
    client = signed_in(sso_app, db, clock, "sam", *roles) if roles != ("industry_partner",) else None
    if client is None:
        add_user(db, clock, "ivy", "industry_partner", org="Medtech", password=PASSWORD)
        client = sso_app.test_client()
        login(client, "ivy", PASSWORD)
    assert client.get("/admin/single-sign-on").status_code == 403
    assert client.post("/admin/single-sign-on/1/remove").status_code in (400, 403)


def test_without_a_provider_the_page_says_how_to_connect_one(app, db, clock):
    page = signed_in(app, db, clock).get("/admin/single-sign-on").data.decode()
    assert "No identity provider is set up on this server" in page and "Give a group a role" not in page


def test_the_sign_in_page_has_a_button_for_each_provider(sso_app):
    page = sso_app.test_client().get("/login").data.decode()
    assert "Sign in with your NHS account" in page and "Sign in with your UHB account" in page
    assert 'action="/login/sso/nhs"' in page and "Sign in with a Six Gates username and password" in page


def test_only_the_sign_in_page_lets_forms_reach_the_providers(sso_app):
    client = sso_app.test_client()
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "form-action 'self' https://idp.uhb.example.org https://login.example.org;" in policy
    assert "form-action 'self';" in client.get("/accessibility").headers["Content-Security-Policy"]
