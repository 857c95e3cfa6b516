"""The auditor role changes nothing anywhere: every route of the app, pages and API, is tried
as an auditor, and the database must be exactly as before (apart from the record of the
auditor's own views of personal data)."""
import re

import pytest
from sqlalchemy import select, text

from engine.identity import tokens
from engine.repository import drafts
from engine.store.models import AuditEvent, Task, User
from tests.conftest import Api, every_row
from tests.web.conftest import PASSWORD, signed_in
from tests.web.test_login_inbox import csrf_token

# signing in and out (through a provider, with a second factor) is the auditor's own business
SESSION_ROUTES = {"auth.login", "auth.logout", "static", "sso.begin", "sso.callback", "second_factor.code",
                  "second_factor.check_code", "second_factor.set_up_at_sign_in", "second_factor.confirm_at_sign_in"}
ALLOWED_POSTS = {"modeller.preview_form",  # renders a form from the posted schema; stores nothing
                 # their own notifications and settings are the auditor's own business, as signing in is
                 "notifications.mark_all_read", "account.save_preferences", "account.save_email", "account.end_away",
                 "api.notifications.mark_read", "api.me.set_preferences", "api.me.set_delegation",
                 "api.me.end_delegation", "api.me.set_email",
                 # and so are their password, authenticator app and API tokens (the forms sent here change none)
                 "tokens.create", "tokens.save_password", "tokens.revoke", "api.tokens.create",
                 "second_factor.confirm", "second_factor.new_codes", "second_factor.remove"}


@pytest.fixture
def world(db, clock, at_gate4):
    """A project at Gate 4, a draft of a process owner, and the ids routes take."""
    with db.reading() as s:
        task = s.scalars(select(Task.id).where(Task.instance_id == at_gate4, Task.state == "ready")).first()
        owner = s.scalars(select(User).where(User.username == "otto.owner")).one()
    draft = db.writing(lambda s: drafts.draft_from_version(s, user=s.get(User, owner.id), version_id=1,
                                                           clock=clock).id)
    token = db.writing(lambda s: tokens.create_token(s, username="aud.auditor", actor="test", clock=clock))
    db.writing(lambda s: tokens.create_token(s, username="hana.hub", actor="test", clock=clock))
    return {"instance_id": at_gate4, "task_id": task, "version_id": 1, "draft_id": draft,
            "username": "hana.hub", "filename": "app.css", "token": token, "notification_id": 1, "document_id": 1,
            "token_id": 2,  # hana's token: not the auditor's
            "name": "nhs", "mapping_id": 1, "rule_id": 1, "provider": "nhs"}


def routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SESSION_ROUTES:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def url_for_rule(rule, values) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_an_auditor_changes_nothing_through_any_page_or_api_route(app, db, world):
    pages = signed_in(app, "aud.auditor")
    token = csrf_token(pages.get("/audit").data)
    api = Api(app, world["token"])
    api.get("/me/tokens")  # the token's first use is noted (last_used_at): before the database is compared
    before = every_row(db)
    tried = 0
    for rule, method in routes(app):
        url = url_for_rule(rule, world)
        body = {"target_version": 1, "instances": [world["instance_id"]], "dry_run": False,
                "data": {"gate4_decision": "approve"}}
        if url.startswith("/api/"):
            response = api.client.open(url, method=method, json=body, headers=api.headers)
        else:
            form = {"csrf_token": token, "instance": world["instance_id"], "to": 1, "version": 1, "password": PASSWORD,
                    "gate4_decision": "approve", "action": "submit", "title": "x", "bpmn": "<x/>"}
            response = pages.open(url, method=method, data=form if method != "GET" else None)
        tried += 1
        assert response.status_code < 500, (method, url, response.status_code)
        if method != "GET" and rule.endpoint not in ALLOWED_POSTS:
            assert response.status_code in (400, 403, 404, 405), (method, url, response.status_code)
        assert every_row(db) == before, f"{method} {url} changed the database"
    assert tried > 50


def test_an_auditors_views_of_personal_data_are_recorded(app, db, world):
    pages = signed_in(app, "aud.auditor")
    assert pages.get(f"/projects/{world['instance_id']}/history").status_code == 200
    with db.reading() as s:
        views = s.execute(select(AuditEvent.actor, AuditEvent.data_json).where(
            AuditEvent.kind == "personal_data_viewed")).all()
    assert ("aud.auditor", f'{{"instance":{world["instance_id"]},"view":"history"}}') in views
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events WHERE kind = 'personal_data_viewed' "
                                 "AND instance_id IS NOT NULL")).scalar() == 0  # never on a project's own chain
