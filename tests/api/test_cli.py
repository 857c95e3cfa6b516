"""The sixgates command line: set-up, users, tokens, deployment and audit verification."""
from click.testing import CliRunner
from sqlalchemy import update

from engine.models import AuditEvent
from tests.conftest import FIXTURES
from web.cli import main


def run(db, *args, input=None):
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": db.url}, input=input)


def test_users_tokens_and_a_hostile_deployment(db, minimal, tmp_path):
    assert run(db, "users", "add", "olive", "--role", "process_owner", "--password-stdin",
               input="s3cret-pass\n").exit_code == 0
    duplicate = run(db, "users", "add", "olive", "--role", "sponsor")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    unknown = run(db, "users", "add", "x", "--role", "wizard")
    assert unknown.exit_code == 1 and "Unknown role" in unknown.output
    token = run(db, "tokens", "create", "olive")
    assert token.exit_code == 0 and len(token.output.strip()) > 30

    hostile = tmp_path / "hostile.bpmn"
    hostile.write_bytes((FIXTURES / "minimal.bpmn").read_bytes().replace(b"doubled = number * 2", b"import os"))
    result = run(db, "deploy", str(hostile), "--forms", str(FIXTURES))
    assert result.exit_code == 1
    assert "element compute: the script uses 'Import'" in result.output


def test_audit_verify_exits_1_on_an_altered_row(db, minimal):
    ok = run(db, "audit", "verify")
    assert ok.exit_code == 0 and "intact" in ok.output
    with db.engine.begin() as conn:
        conn.execute(update(AuditEvent).values(actor="mallory"))
    bad = run(db, "audit", "verify")
    assert bad.exit_code == 1
    assert "MISMATCH system event 1: content was altered" in bad.output
