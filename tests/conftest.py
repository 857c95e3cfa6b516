"""Shared fixtures: a real database (SQLite file, or a PostgreSQL server this suite starts when
SIXGATES_TEST_DB=postgresql), an injectable clock, and the deployed six-gates procedure."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import jinja2.bccache
import pytest
from sqlalchemy import select, text

from engine.clock import FixedClock
from engine.identity import accounts, tokens
from engine.kernel.cache import keep_workflows, workflows_kept_for
from engine.repository import deployments
from engine.settings import Settings
from engine.store import schema
from engine.store.db import Database
from engine.store.models import Base, ProcessVersion
from tests import snapshots

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# The OMG MIWG reference diagrams: the shared corpus when this checkout sits beside it, else the copy kept
# in the fixtures (CC BY 3.0, see its LICENSE.txt) so that CI runs the compatibility tests too.
MIWG = next(p for p in (ROOT.parent / "shared" / "corpus" / "miwg", FIXTURES / "miwg") if p.is_dir())
USE_POSTGRES = os.environ.get("SIXGATES_TEST_DB") == "postgresql"


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        pytest.exit("PostgreSQL is not installed: run scripts/install-system-packages", returncode=3)
    return str(found[-1])


# Workflows kept in memory per Database, as configured (`SIXGATES_WORKFLOW_CACHE=0` in the PostgreSQL pass).
CACHE_SIZE = Settings.from_environment().workflow_cache_size


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser is marked `browser`, so `pytest -m "not browser"` skips them.
    On PostgreSQL only the tests that use a database run: the others ran the same in the SQLite pass."""
    browser = ROOT / "tests" / "browser"
    for item in items:
        if browser in item.path.parents:
            item.add_marker(pytest.mark.browser)
    if USE_POSTGRES:
        without = [item for item in items if "_postgres_schema" not in getattr(item, "fixturenames", ())]
        if without:
            config.hook.pytest_deselected(items=without)
            items[:] = [item for item in items if item not in without]


@pytest.fixture(autouse=True, scope="session")
def _hash_each_password_once():
    """Seeding the demo people hashes their shared password with scrypt on purpose slowly; a real
    hash of each distinct password, made once per test session, signs in exactly the same. Likewise
    each sign-in checks a password against a hash with scrypt: the same pair always gives the same
    answer, so each distinct pair is checked for real once per session."""
    from engine.identity import accounts, password_sign_in
    hashed = functools.lru_cache(maxsize=None)(accounts.generate_password_hash)
    checked = functools.lru_cache(maxsize=None)(password_sign_in.check_password_hash)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "generate_password_hash", hashed)
        patch.setattr(password_sign_in, "check_password_hash", checked)
        yield


@pytest.fixture(scope="session")
def postgres_url():
    """Start a throwaway PostgreSQL server on a Unix socket for this test session."""
    if not USE_POSTGRES:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="sixgates-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    subprocess.run(as_postgres + [_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    options = f"-k {folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c max_connections=200"
    subprocess.run(as_postgres + [_pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l",
                                  str(folder / "log"), "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}"
    finally:
        subprocess.run(as_postgres + [_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def _postgres_schema(postgres_url):
    if postgres_url is None:
        return None
    db = Database(postgres_url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    schema.upgrade(db)
    db.dispose()
    return postgres_url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """An SQLite database migrated once per session; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    schema.upgrade(database)
    with database.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the file that is copied
    database.dispose()
    return path


@pytest.fixture
def db(tmp_path, _postgres_schema, _sqlite_template):
    """A migrated, empty database for one test."""
    if _postgres_schema is not None:
        database = Database(_postgres_schema)
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with database.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        shutil.copyfile(_sqlite_template, tmp_path / "test.db")
        database = Database(f"sqlite:///{tmp_path / 'test.db'}")
    keep_workflows(database, CACHE_SIZE)
    yield database
    database.dispose()


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))


def deploy_directory(db: Database, clock, processes: Path = ROOT / "processes", forms: Path = ROOT / "forms"):
    bpmn, dmn, form_files = deployments.read_directory(processes, forms)
    version, _ = db.writing(lambda s: deployments.deploy_process(
        s, bpmn=bpmn, dmn=dmn, forms=form_files, actor="test", clock=clock))
    return version


def deployed(db: Database, clock, processes: Path = ROOT / "processes", forms: Path = ROOT / "forms"):
    """deploy_directory, done for real once per session and restored from a copy after that."""
    version_id = snapshots.once(f"deploy {processes} {forms}", db, clock,
                                lambda: deploy_directory(db, clock, processes, forms).id)
    with db.reading() as session:
        return session.get(ProcessVersion, version_id)


@pytest.fixture
def six_gates(db, clock):
    return deployed(db, clock)


@pytest.fixture
def minimal(db, clock):
    return deployed(db, clock, FIXTURES, FIXTURES)


def walk_to_gate4(db: Database, clock) -> int:
    """A new demo project walked by the demo people up to Gate 4 (mobilisation approval): its id."""
    from demo import seed
    from demo.walker import Walker
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, seed.happy_path("Automated MDT preparation", "Multidisciplinary Team Efficiency"),
                stop_at="gate4_mobilisation_approval")
    return project


def add_user(db: Database, clock, username: str, *roles: str, org: str | None = None,
             password: str | None = None):
    return db.writing(lambda s: accounts.add_user(s, username=username, roles=list(roles), organisation=org,
                                                  password=password, actor="test", clock=clock).id)


def settings_for(db: Database) -> Settings:
    """The app's settings for a test: its database, as the test's own Database object is set up."""
    return Settings(database_url=db.url, secret_key="test", workflow_cache_size=workflows_kept_for(db).size)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Each test builds its own app; its templates are compiled once per session, not once per app
    (jinja checks each template's source checksum before using the compiled code)."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _CompiledTemplates()


@pytest.fixture
def app(db, clock):
    from web import create_app
    app = create_app(settings_for(db), clock=clock, testing=True)
    app.jinja_env.bytecode_cache = _TEMPLATES
    return app


class Api:
    """A JSON client acting as one user, through the real Flask app."""

    def __init__(self, app, token: str):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path, **kwargs):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.client.post(f"/api/v1{path}", json=json, headers=self.headers, **kwargs)

    def complete(self, task_id, data):
        return self.post(f"/tasks/{task_id}/complete", json={"data": data})

    def tasks(self, **params):
        response = self.get("/tasks", query_string=params)
        assert response.status_code == 200, response.json
        return response.json["tasks"]


@pytest.fixture
def api_as(app, db, clock):
    """api_as('alice', 'sponsor', org=None) -> an Api client for a new user with those roles."""
    def make(username, *roles, org=None):
        add_user(db, clock, username, *roles, org=org)
        token = db.writing(lambda s: tokens.create_token(s, username=username, actor="test", clock=clock))
        return Api(app, token)
    return make


@pytest.fixture
def people(db, clock, six_gates):
    """Every demo user, and a Walker that completes tasks as the right one of them."""
    from demo import seed
    from demo.walker import Walker

    def add_people():
        for username, name, roles, org in seed.DEMO_USERS:
            db.writing(lambda s, u=username, n=name, r=roles, o=org: accounts.add_user(
                s, username=u, display_name=n, roles=r, organisation=o, actor="test", clock=clock))
    snapshots.once("people", db, clock, add_people)
    return Walker(db, clock)


RECORDS_OF_READING = ("personal_data_viewed", "document_downloaded", "login_succeeded")


def every_row(db: Database, *, skip: tuple[str, ...] = ("system_chain",)) -> dict:
    """Every row of every table but `skip`, less the record of who viewed or signed in: to show
    that a request changed nothing."""
    rows = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            query = select(table)
            if table.name == "audit_events":
                query = query.where(table.c.kind.not_in(RECORDS_OF_READING))
            rows[table.name] = sorted(tuple(map(str, row)) for row in conn.execute(query))
    return rows



@pytest.fixture(scope="session")
def identity_provider():
    """A real OpenID Connect provider (oidc-provider under Node, tests/sso/provider.mjs) for this test session."""
    from tests.sso.identity_provider import BASE_URL, running
    with running([BASE_URL]) as provider:
        yield provider


@pytest.fixture
def sso_app(db, clock, identity_provider):
    """Six Gates with the test identity provider as its one single sign-on button."""
    from dataclasses import replace

    from tests.sso.identity_provider import BASE_URL
    from web import create_app
    settings = replace(settings_for(db), base_url=BASE_URL, sso_providers=(identity_provider.provider(),))
    app = create_app(settings, clock=clock, testing=True)
    app.jinja_env.bytecode_cache = _TEMPLATES
    return app
