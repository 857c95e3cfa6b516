"""The authorisation matrix: every route of the app and the API (read from the url map, so a new
route without an expectation here fails) × every demo user (one per role, two partner
organisations) and nobody signed in. What each gets is what engine.policy answers: pages and
JSON for those it lets in, 403 for those it keeps out, 404 where the thing is not theirs to see.

GETs are tried for every route; state-changing routes only by those who may not use them, who
must be refused with nothing changed, so the matrix does not depend on the order it runs in.
The demo (`sixgates init --demo`) is built once for the module."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import pytest
from sqlalchemy import select, text

from demo import seed
from engine import policy
from engine.clock import FixedClock
from engine.documents import reading
from engine.identity import tokens as api_tokens
from engine.repository import drafts
from engine.store import schema
from engine.store.db import Database
from engine.store.models import Base, Document, ProcessInstance, ProcessVersion, Task, User
from tests.conftest import deploy_directory, every_row, settings_for
from tests.web.test_login_inbox import csrf_token, login

NOBODY = "(not signed in)"
OK, FORBIDDEN, NOT_FOUND, TO_SIGN_IN, NO_TOKEN = 200, 403, 404, 302, 401


# --- expectations: each route's policy question -----------------------------------------

@dataclass
class Ask:
    """What a route answers a user, from policy. `target` is what the route's ids point at."""
    expected: Callable[..., int]  # (user, target, session) -> status
    targets: str = ""  # "" (no ids), "instance" or "task": which demo objects fill the URL
    ok: int = OK  # what "allowed" looks like (a redirect for some routes)
    public: bool = False  # answers without signing in


def anyone(ok: int = OK) -> Ask:
    return Ask(lambda user, target, session: ok, ok=ok)


def asks(question: Callable[[User], bool], ok: int = OK) -> Ask:
    return Ask(lambda user, target, session: ok if question(user) else FORBIDDEN, ok=ok)


def instance_route(question=None) -> Ask:
    """404 for a project the user may not see; then the question (user, instance, session)."""
    def expected(user, instance, session):
        if not policy.may_see_instance(user, instance):
            return NOT_FOUND
        return OK if question is None or question(user, instance, session) else FORBIDDEN
    return Ask(expected, "instance")


def _sees_task(user, task, session) -> bool:
    return policy.may_see_instance(user, session.get(ProcessInstance, task.instance_id)) \
        and policy.may_see_task(user, task)


def task_route(may: Callable[[User, Task], bool]) -> Ask:
    """404 for a task the user may not see (another organisation's or person's); then `may`."""
    def expected(user, task, session):
        if not _sees_task(user, task, session):
            return NOT_FOUND
        return OK if may(user, task) else FORBIDDEN
    return Ask(expected, "task")


def document_route() -> Ask:
    """A document is read by those shown a reference to it (engine.policy.documents); anyone else gets 404."""
    def expected(user, document, session):
        return OK if reading.may_read_document(session, user, document) else NOT_FOUND
    return Ask(expected, "document")


def may_post_comments(user, instance, session) -> bool:
    return bool(policy.comment_audiences(user, instance, policy.reader_for(user, instance)))


def may_act(user, task) -> bool:
    return policy.may_act_on(user, task) is None


def may_open_and_act(user, task) -> bool:
    """The task page's POST opens the task first (403 if not), then refuses who may not act."""
    return policy.may_open_task(user, task) and may_act(user, task)


def _owns_notification(user, session) -> bool:
    """The notification the matrix opens (values' notification_id) is only its own recipient's to open."""
    from engine.store.models import Notification
    note = session.get(Notification, 1)
    return note is not None and note.user_id == user.id


SESSION = None  # signing in and out is everyone's own business, not an authorisation question

EXPECTATIONS: dict[tuple[str, str], Ask | None] = {
    ("auth.login", "GET"): Ask(lambda u, t, s: OK, public=True),
    ("about.accessibility", "GET"): Ask(lambda u, t, s: OK, public=True),
    ("auth.login", "POST"): SESSION,
    ("auth.logout", "POST"): SESSION,
    ("static", "GET"): Ask(lambda u, t, s: OK, public=True),
    ("api.openapi.document", "GET"): Ask(lambda u, t, s: OK, public=True),
    ("inbox.home", "GET"): anyone(ok=302),
    ("inbox.index", "GET"): anyone(),
    ("inbox.start_project", "POST"): asks(policy.may_propose_challenge, ok=302),
    ("propose.new", "GET"): asks(policy.may_propose_challenge),
    ("propose.create", "POST"): asks(policy.may_propose_challenge, ok=302),
    ("register.index", "GET"): asks(policy.may_see_register),
    ("register.download", "GET"): asks(policy.may_see_register),
    ("register.new_past", "GET"): asks(policy.may_record_register),
    ("register.new_past", "POST"): asks(policy.may_record_register, ok=302),
    ("dashboard.index", "GET"): asks(policy.may_see_dashboard),
    ("projects.show", "GET"): instance_route(),
    ("history.show", "GET"): instance_route(lambda user, instance, session: policy.may_read_events(
        session, user, instance)),
    ("tasks.show", "GET"): task_route(policy.may_open_task),
    ("tasks.act", "POST"): task_route(may_open_and_act),
    ("tasks.claim", "POST"): task_route(may_act),
    ("tasks.release", "POST"): task_route(policy.may_release),
    ("versions.index", "GET"): asks(policy.may_read_versions),
    ("versions.show", "GET"): asks(policy.may_read_versions),
    ("versions.download", "GET"): asks(policy.may_read_versions),
    ("versions.diff", "GET"): asks(policy.may_read_versions),
    ("versions.diagram", "GET"): asks(policy.may_see_process_diagram),
    ("modeller.index", "GET"): asks(policy.may_edit_drafts),
    ("modeller.edit", "GET"): asks(policy.may_edit_drafts),
    ("modeller.download_bpmn", "GET"): asks(policy.may_edit_drafts),
    ("modeller.delete", "GET"): asks(policy.may_edit_drafts),
    ("modeller.delete", "POST"): asks(policy.may_edit_drafts, ok=302),
    ("modeller.new_from_version", "POST"): asks(policy.may_edit_drafts, ok=302),
    ("modeller.check", "POST"): asks(policy.may_edit_drafts),
    ("modeller.deploy", "POST"): asks(policy.may_edit_drafts),
    ("modeller.save", "POST"): asks(policy.may_edit_drafts),
    ("modeller.preview_form", "POST"): asks(policy.may_edit_drafts),
    ("modeller.upload", "POST"): asks(policy.may_edit_drafts, ok=302),
    ("migration.index", "GET"): asks(policy.may_migrate),
    ("migration.plan", "GET"): asks(policy.may_migrate),
    ("migration.migrate", "POST"): asks(policy.may_migrate),
    ("audit.index", "GET"): asks(policy.may_verify),
    ("audit.verify", "GET"): asks(policy.may_verify),
    ("audit.verify_batch", "GET"): asks(policy.may_verify),
    ("exports.index", "GET"): asks(policy.may_export),
    ("exports.download", "GET"): asks(policy.may_export),
    **{(f"rules.{name}", "GET"): asks(policy.may_read_rule_reports)
       for name in ("index", "four_eyes", "four_eyes_csv", "conflicts", "conflicts_csv", "actions", "actions_csv",
                    "actions_list_csv")},
    ("admin.index", "GET"): asks(policy.may_administer),
    ("admin.add_user", "GET"): asks(policy.may_administer),
    ("admin.add_user", "POST"): asks(policy.may_administer, ok=302),
    ("admin.edit_user", "GET"): asks(policy.may_administer),
    ("admin.edit_user", "POST"): asks(policy.may_administer, ok=302),
    ("admin.disable_user", "GET"): asks(policy.may_administer),
    ("admin.disable_user", "POST"): asks(policy.may_administer, ok=302),
    ("admin.enable_user", "POST"): asks(policy.may_administer, ok=302),
    ("notifications.index", "GET"): anyone(),
    ("notifications.mark_all_read", "POST"): anyone(ok=302),
    ("notifications.open_one", "POST"): Ask(lambda user, target, session: 302 if _owns_notification(
        user, session) else NOT_FOUND, ok=302),
    ("account.settings", "GET"): anyone(),
    **{(f"account.{name}", "POST"): anyone(ok=302)
       for name in ("save_preferences", "save_email", "set_away", "end_away")},
    ("my_projects.index", "GET"): anyone(),
    **{(f"lifecycle.{name}", method): instance_route(lambda user, instance, session: policy.may_steward(user))
       for name in ("hold", "resume", "stop") for method in ("GET", "POST")},
    **{("lifecycle.withdraw", method): instance_route(lambda user, instance, session: policy.may_withdraw(
        user, instance)) for method in ("GET", "POST")},
    **{("reassignment.reassign", method): task_route(lambda user, task: policy.may_reassign(user))
       for method in ("GET", "POST")},
    ("api.versions.list_processes", "GET"): anyone(),
    ("api.versions.deploy_process", "POST"): asks(policy.may_deploy, ok=201),
    ("api.versions.process_version", "GET"): asks(policy.may_read_versions),
    ("api.versions.process_version_bpmn", "GET"): asks(policy.may_read_versions),
    ("api.versions.process_versions_diff", "GET"): asks(policy.may_read_versions),
    ("api.instances.start_instance", "POST"): asks(policy.may_propose_challenge, ok=201),
    ("api.instances.list_instances", "GET"): anyone(),
    ("api.instances.get_instance", "GET"): instance_route(),
    ("api.instances.instance_events", "GET"): instance_route(lambda user, instance, session: policy.may_read_events(
        session, user, instance)),
    ("api.audit.replay_instance", "GET"): instance_route(lambda user, instance, session: policy.may_see_replay(user)),
    ("api.migration.migrate_instances", "POST"): asks(policy.may_migrate),
    ("api.tasks.list_tasks", "GET"): anyone(),
    ("api.tasks.get_task", "GET"): task_route(policy.may_open_task),
    ("api.tasks.complete_task", "POST"): task_route(may_act),
    ("api.tasks.claim_task", "POST"): task_route(may_act),
    ("api.tasks.release_task", "POST"): task_route(policy.may_release),
    ("api.tasks.save_draft", "PUT"): task_route(may_act),
    ("api.audit.verify", "GET"): asks(policy.may_verify),
    ("api.tasks.reassign_task", "POST"): task_route(lambda user, task: policy.may_reassign(user)),
    ("api.instances.withdraw_instance", "POST"): instance_route(lambda user, instance, session: policy.may_withdraw(
        user, instance)),
    **{(f"api.instances.{change}_instance", "POST"): instance_route(lambda user, instance, session: policy.may_steward(
        user)) for change in ("hold", "resume", "stop")},
    ("api.notifications.list_notifications", "GET"): anyone(),
    ("api.notifications.mark_read", "POST"): anyone(),
    ("api.me.get_preferences", "GET"): anyone(),
    ("api.me.set_preferences", "PUT"): anyone(),
    ("api.me.get_delegation", "GET"): anyone(),
    ("api.me.set_delegation", "PUT"): anyone(),
    ("api.me.end_delegation", "DELETE"): anyone(),
    ("api.me.set_email", "PUT"): anyone(),
    ("api.me.list_my_projects", "GET"): anyone(),
    ("documents.download", "GET"): document_route(),
    ("documents.preview", "GET"): document_route(),
    ("api.api_documents.download", "GET"): document_route(),
    ("api.api_documents.project_documents", "GET"): instance_route(),
    ("api.api_documents.upload", "POST"): task_route(may_act),
    ("api.api_discussion.comments_of", "GET"): instance_route(),
    ("api.api_discussion.comments_of", "POST"): instance_route(may_post_comments),
    ("discussion.post", "POST"): instance_route(may_post_comments),
    # Signing in: through an identity provider, or the second factor while half signed in.
    **{(endpoint, method): SESSION for endpoint, method in (
        ("sso.begin", "POST"), ("sso.callback", "GET"), ("sso.link", "POST"), ("sso.unlink", "POST"),
        ("second_factor.code", "GET"),
        ("second_factor.check_code", "POST"), ("second_factor.set_up_at_sign_in", "GET"),
        ("second_factor.confirm_at_sign_in", "POST"))},
    # One's own sign-in settings: everyone's own business.
    ("second_factor.manage", "GET"): anyone(),
    ("second_factor.confirm", "POST"): anyone(),
    # Only the partners set up an app (the demo requires it of them); anyone else is sent back to their settings.
    ("second_factor.new_codes", "GET"): Ask(lambda user, target, session: OK if user.totp_secret else 302),
    ("second_factor.new_codes", "POST"): anyone(ok=302),
    ("second_factor.remove", "GET"): Ask(lambda user, target, session: OK if user.totp_secret else 302),
    ("second_factor.remove", "POST"): anyone(ok=302),
    ("tokens.mine", "GET"): anyone(),
    ("tokens.create", "POST"): anyone(),
    ("tokens.revoke", "GET"): Ask(lambda user, target, session: OK if _owns_token(user, session) else NOT_FOUND),
    ("tokens.revoke", "POST"): Ask(lambda user, target, session: 302 if _owns_token(user, session) else NOT_FOUND,
                                   ok=302),
    ("tokens.change_password", "GET"): anyone(),
    ("tokens.save_password", "POST"): anyone(),
    ("api.tokens.list_mine", "GET"): anyone(),
    ("api.tokens.create", "POST"): anyone(ok=201),
    ("api.tokens.revoke", "DELETE"): Ask(lambda user, target, session: OK if _owns_token(user, session)
                                         else NOT_FOUND),
    # Administrators: who must use a second factor, which groups grant which roles, everyone's tokens.
    ("second_factor.rules", "GET"): asks(policy.may_administer),
    ("second_factor.add_rule", "POST"): asks(policy.may_administer, ok=302),
    ("second_factor.remove_rule", "GET"): asks(policy.may_administer),
    ("second_factor.remove_rule", "POST"): asks(policy.may_administer, ok=302),
    ("second_factor.remove_for_user", "GET"): asks(policy.may_administer),
    ("second_factor.remove_for_user", "POST"): asks(policy.may_administer, ok=302),
    # No account in the demo is linked to a provider: an administrator learns there is no such link.
    ("admin.unlink", "GET"): Ask(lambda user, target, session: NOT_FOUND if policy.may_administer(user)
                                 else FORBIDDEN),
    ("admin.unlink", "POST"): asks(policy.may_administer, ok=302),
    ("role_mappings.index", "GET"): asks(policy.may_administer),
    ("role_mappings.add", "POST"): asks(policy.may_administer, ok=302),
    # No group is mapped in the demo: an administrator learns the mapping is gone.
    ("role_mappings.remove", "GET"): Ask(lambda user, target, session: NOT_FOUND if policy.may_administer(user)
                                         else FORBIDDEN),
    ("role_mappings.remove", "POST"): asks(policy.may_administer, ok=302),
    ("tokens.everyone", "GET"): asks(policy.may_administer),
    ("tokens.revoke_any", "GET"): asks(policy.may_administer),
    ("tokens.revoke_any", "POST"): asks(policy.may_administer, ok=302),
    # Sign-ins on the record: auditors and administrators.
    ("sign_ins.index", "GET"): asks(policy.may_read_sign_ins),
    ("sign_ins.csv", "GET"): asks(policy.may_read_sign_ins),
    ("api.sign_ins.list_sign_ins", "GET"): asks(policy.may_read_sign_ins),
}


def _owns_token(user, session) -> bool:
    """The token the matrix names (values' token_id) is listed and revoked by its owner alone on these routes."""
    from engine.store.models import ApiToken
    token = session.get(ApiToken, 1)
    return token is not None and token.user_id == user.id

# Query strings some routes need to answer at all (kept small: the matrix stays fast).
QUERY = {"versions.diff": "old={version}&new={version}",
         "api.versions.process_versions_diff": "old={version}&new={version}",
         "migration.plan": "to={version}&instance={project}", "audit.verify_batch": "offset=100000",
         "api.audit.verify": "rerun=false", "exports.download": "instance={project}",
         "api.audit.replay_instance": "upto=3"}


# --- the demo, built once --------------------------------------------------------------

@dataclass
class Demo:
    app: object
    db: Database
    values: dict  # URL values every route can take
    projects: dict[str, int]  # label -> instance id
    tasks: dict[str, str]  # label -> task id
    documents: dict[str, int]  # label -> document id
    pages: dict[str, object]  # username -> signed-in test client
    tokens: dict[str, str]  # username -> API token


def _database(tmp_path_factory, postgres_url) -> Database:
    if postgres_url is None:
        database = Database(f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'demo.db'}")
        schema.upgrade(database)
        return database
    database = Database(postgres_url)
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return database


@pytest.fixture(scope="module")
def world(tmp_path_factory, _postgres_schema):
    from web import create_app
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    db = _database(tmp_path_factory, _postgres_schema)
    deploy_directory(db, clock)
    seed.load(db, clock=clock)
    with db.reading() as s:
        version = s.scalars(select(ProcessVersion.id)).first()
        by_title = dict(s.execute(select(ProcessInstance.title, ProcessInstance.id)).all())
        ready = list(s.scalars(select(Task).where(Task.state == "ready").order_by(Task.instance_id, Task.id)))
        done = {(t.bpmn_id, t.completed_by): t.id for t in s.scalars(select(Task).where(Task.state == "completed"))}
        owner = s.scalars(select(User.id).where(User.username == "otto.owner")).one()
        documents = {f"{d.field} of {d.uploaded_by} in project {d.instance_id}": d.id for d in s.scalars(
            select(Document).where(Document.instance_id == by_title["Automated MDT preparation"]))}
    projects = {"before the call (Hub only)": by_title["Faster lung cancer referrals from primary care"],
                "partners taking part": by_title["Automated MDT preparation"]}
    tasks = {f"open {t.bpmn_id}" + (f" of {t.organisations.strip('|')}" if t.organisations else ""): t.id
             for t in ready}
    tasks["Medtech's submitted EoI"] = done[("submit_eoi", "ivy.medtech")]
    tasks["Bea's completed scoring"] = done[("score_eois", "bea.board")]
    draft = db.writing(lambda s: drafts.draft_from_version(s, user=s.get(User, owner), version_id=version,
                                                           clock=clock).id)
    app = create_app(settings_for(db), clock=clock, testing=True)
    pages, tokens = {}, {}
    for username, *_ in seed.DEMO_USERS:
        pages[username] = app.test_client()
        assert login(pages[username], username, seed.DEMO_PASSWORD).status_code == 302
        tokens[username] = db.writing(lambda s, u=username: api_tokens.create_token(s, username=u, actor="test",
                                                                                      clock=clock))
    pages[NOBODY] = app.test_client()
    values = {"version_id": version, "draft_id": draft, "username": "hana.hub", "filename": "app.css", "fmt": "csv",
              "notification_id": 1, "name": "nhs", "mapping_id": 1, "rule_id": 1, "token_id": 1,
              "provider": "nhs"}
    yield Demo(app, db, values, projects, tasks, documents, pages, tokens)
    db.dispose()


def routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def requests(world: Demo, rule, method: str):
    """(label of what the ids point at, URL, target id) for each object the route is tried on."""
    ask = EXPECTATIONS[(rule.endpoint, method)]
    if ask.targets == "instance":
        targets = [(label, {"instance_id": i}, i) for label, i in world.projects.items()]
    elif ask.targets == "document":
        targets = [(label, {"document_id": d}, d) for label, d in world.documents.items()]
    elif ask.targets == "task":  # changes are tried on open tasks (a closed one answers 409 first)
        targets = [(label, {"task_id": t}, t) for label, t in world.tasks.items()
                   if method == "GET" or label.startswith("open ")]
    else:
        targets = [("", {}, None)]
    for label, ids, target in targets:
        _, path = rule.build({**world.values, **ids}, append_unknown=False)
        query = QUERY.get(rule.endpoint, "").format(version=world.values["version_id"],
                                                   project=world.projects["partners taking part"])
        yield label, path + (f"?{query}" if query else ""), target


def expected_statuses(world: Demo, rule, method: str) -> dict[tuple[str, str], int]:
    """(username, target label) -> the status policy says that user gets."""
    ask = EXPECTATIONS[(rule.endpoint, method)]
    found = {}
    with world.db.reading() as session:
        for username, *_ in seed.DEMO_USERS:
            user = session.scalars(select(User).where(User.username == username)).one()
            for label, _url, target in requests(world, rule, method):
                model = {"instance": ProcessInstance, "document": Document}.get(ask.targets, Task)
                loaded = session.get(model, target) if target else None
                found[(username, label)] = ask.expected(user, loaded, session)
    return found


def answer(world: Demo, username: str, method: str, url: str, body: dict | None = None):
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {world.tokens[username]}"} if username != NOBODY else {}
        if body is not None and ("bpmn" in body or "file" in body):  # a file: multipart
            return world.pages[NOBODY].open(url, method=method, data=body, headers=headers)
        return world.pages[NOBODY].open(url, method=method, json=body, headers=headers)
    return world.pages[username].open(url, method=method, data=body)


# --- the tests -------------------------------------------------------------------------

def test_every_route_has_an_expectation(world):
    missing = sorted({f"{method} {rule.rule} ({rule.endpoint})" for rule, method in routes(world.app)
                      if (rule.endpoint, method) not in EXPECTATIONS})
    assert missing == [], "say in EXPECTATIONS which policy question guards each new route:\n" + "\n".join(missing)
    stale = set(EXPECTATIONS) - {(rule.endpoint, method) for rule, method in routes(world.app)}
    assert stale == set(), f"routes that no longer exist: {stale}"


def test_every_demo_user_gets_what_policy_says_from_every_get(world):
    wrong, tried = [], 0
    for rule, method in routes(world.app):
        ask = EXPECTATIONS.get((rule.endpoint, method))
        if method != "GET" or ask is None:
            continue
        expected = expected_statuses(world, rule, method)
        for label, url, _ in requests(world, rule, method):
            for username, *_ in seed.DEMO_USERS:
                status = answer(world, username, "GET", url).status_code
                tried += 1
                if status != expected[(username, label)]:
                    wrong.append(f"GET {url} ({label or rule.endpoint}) as {username}: "
                                 f"{status}, policy says {expected[(username, label)]}")
    assert wrong == [], "\n".join(wrong)
    assert tried > 1000


def test_nobody_signed_in_is_sent_to_sign_in_or_asked_for_a_token(world):
    wrong = []
    token = csrf_token(world.pages[NOBODY].get("/login").data)
    for rule, method in routes(world.app):
        ask = EXPECTATIONS.get((rule.endpoint, method))
        if ask is None:
            continue
        for _, url, _ in requests(world, rule, method):
            body = None if method == "GET" else {} if url.startswith("/api/") else {"csrf_token": token}
            response = answer(world, NOBODY, method, url, body)
            if ask.public:
                wanted = OK
            elif url.startswith("/api/"):
                wanted = NO_TOKEN
            else:
                wanted = TO_SIGN_IN
            signs_in = wanted != TO_SIGN_IN or "/login" in response.headers.get("Location", "") \
                or rule.endpoint == "inbox.home"
            if response.status_code != wanted or not signs_in:
                wrong.append(f"{method} {url} signed out: {response.status_code}, wanted {wanted}")
    assert wrong == [], "\n".join(wrong)


def refusal_body(world: Demo, rule, url: str, token: str) -> dict:
    """A request the route would act on if it let the user in."""
    project, version = world.projects["partners taking part"], world.values["version_id"]
    if rule.endpoint == "api.versions.deploy_process":
        return {"bpmn": (io.BytesIO(b"<definitions/>"), "x.bpmn")}
    if rule.endpoint == "api.api_documents.upload":
        return {"field": "evidence_files", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "evidence.pdf")}
    if url.startswith("/api/"):
        return {"process": "six_gates", "data": {"gate1_decision": "approve"}, "target_version": version,
                "instances": [project], "dry_run": False}
    return {"csrf_token": token, "action": "submit", "to": version, "instance": project, "version_id": version,
            "title": "A past project", "challenge_area": seed.PROJECTS[0][1], "username": "mallory",
            "display_name": "Mallory", "password": "a long password", "roles": "admin",
            "bpmn": (io.BytesIO(b"<definitions/>"), "x.bpmn"), "schema": "{}", "gate1_decision": "approve"}


def test_whoever_policy_keeps_out_of_a_change_is_refused_and_nothing_changes(world):
    tokens = {username: csrf_token(world.pages[username].get("/inbox").data) for username, *_ in seed.DEMO_USERS}
    wrong, tried = [], 0
    for rule, method in routes(world.app):
        ask = EXPECTATIONS.get((rule.endpoint, method))
        if method == "GET" or ask is None:
            continue
        expected = expected_statuses(world, rule, method)
        for label, url, _ in requests(world, rule, method):
            before = every_row(world.db, skip=("system_chain", "sign_in_sessions", "api_tokens"))
            for username, *_ in seed.DEMO_USERS:
                wanted = expected[(username, label)]
                if wanted == ask.ok:
                    continue  # allowed: the matrix only checks refusals, so it never changes the demo
                body = refusal_body(world, rule, url, tokens[username])
                status = answer(world, username, method, url, body).status_code
                tried += 1
                if status != wanted:
                    wrong.append(f"{method} {url} ({label or rule.endpoint}) as {username}: {status}, "
                                 f"policy says {wanted}")
            if every_row(world.db, skip=("system_chain", "sign_in_sessions", "api_tokens")) != before:
                wrong.append(f"{method} {url} ({label or rule.endpoint}) changed the database for someone refused")
    assert wrong == [], "\n".join(wrong)
    assert tried > 300


def test_admins_manage_people_and_auditors_read_the_record(world):
    """interface.md: reading, verifying and exporting the record is the auditors'; an admin alone may not."""
    admin, auditor = world.pages["ada.admin"], world.pages["aud.auditor"]
    for path in ("/audit", "/audit/verify", "/audit/export", "/audit/rules", "/audit/rules/four-eyes"):
        assert (admin.get(path).status_code, auditor.get(path).status_code) == (403, 200), path
    assert (admin.get("/admin/").status_code, auditor.get("/admin/").status_code) == (200, 403)
    assert 'href="/audit"' not in admin.get("/inbox").get_data(as_text=True)
    assert 'href="/audit"' in auditor.get("/inbox").get_data(as_text=True)
    project = world.projects["partners taking part"]
    for path, allowed in ((f"/instances/{project}/replay", {"aud.auditor"}),
                          (f"/instances/{project}/events", {"aud.auditor", "hana.hub", "sam.sponsor", "ivy.medtech"}),
                          ("/audit/verify?rerun=false", {"aud.auditor"})):
        for username in ("aud.auditor", "ada.admin", "hana.hub", "sam.sponsor", "ivy.medtech", "dan.dmbc"):
            status = answer(world, username, "GET", f"/api/v1{path}").status_code
            assert status == (200 if username in allowed else 403), (path, username, status)


def test_a_task_opens_for_those_whose_task_it_is(world):
    gate1, eoi = world.tasks["open gate1_prioritisation"], world.tasks["Medtech's submitted EoI"]
    scoring = world.tasks["Bea's completed scoring"]
    for username, task, status in (("hana.hub", gate1, 200), ("sam.sponsor", gate1, 403), ("ada.admin", gate1, 403),
                                   ("aud.auditor", gate1, 200), ("ivy.medtech", eoi, 200), ("ian.datahealth", eoi, 404),
                                   ("bea.board", scoring, 200), ("ben.board", scoring, 403)):
        assert answer(world, username, "GET", f"/api/v1/tasks/{task}").status_code == status, (username, task)
        assert answer(world, username, "GET", f"/tasks/{task}").status_code == status, (username, task)
    project = world.projects["before the call (Hub only)"]
    page = world.pages["sam.sponsor"].get(f"/projects/{project}").get_data(as_text=True)
    assert "Define and score challenge" in page and "/tasks/" not in page  # listed, not a link the sponsor may follow
