"""The sixgates command line: set-up, users, tokens, deployment and audit verification."""
from click.testing import CliRunner
from sqlalchemy import update

from cli.commands import main
from engine.store.models import AuditEvent
from tests.conftest import FIXTURES


def run(db, *args, input=None):
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": db.url}, input=input)


def test_users_tokens_and_a_hostile_deployment(db, minimal, tmp_path):
    assert run(db, "users", "add", "olive", "--role", "process_owner", "--password-stdin",
               input="lantern orchard pebble\n").exit_code == 0
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
    assert "error    compute  the script uses imports" in result.output
    assert "deployment refused: 1 problem(s)" in result.output


def test_deploy_prints_each_finding_and_exits_0_on_warnings_only(db, tmp_path):
    diagram = tmp_path / "minimal.bpmn"
    diagram.write_bytes((FIXTURES / "minimal.bpmn").read_bytes().replace(
        b"</bpmn:process>", b'<bpmn:task id="orphan" name="Forgotten" /></bpmn:process>'))
    result = run(db, "deploy", str(diagram), "--forms", str(FIXTURES))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ('warning  orphan  the task "Forgotten" cannot be reached from a start event, so it will '
                        "never run")
    assert lines[1].startswith('warning  lane_sponsor  no active user has the role of lane "Sponsor" yet')
    assert lines[2].startswith("deployed: minimal version 1 (")

    diagram.write_bytes(diagram.read_bytes().replace(b' default="f4"', b""))
    refused = run(db, "deploy", str(diagram), "--forms", str(FIXTURES))
    assert refused.exit_code == 1
    assert 'error    decide  the exclusive gateway "Big?" has an outgoing flow with neither' in refused.output
    assert "warning  orphan  the task" in refused.output
    assert refused.output.strip().endswith("deployment refused: 1 problem(s)")


def test_audit_verify_exits_1_on_an_altered_row(db, minimal):
    ok = run(db, "audit", "verify")
    assert ok.exit_code == 0 and "intact" in ok.output
    with db.engine.begin() as conn:
        conn.execute(update(AuditEvent).values(actor="mallory"))
    bad = run(db, "audit", "verify")
    assert bad.exit_code == 1
    assert "MISMATCH system event 1: content was altered" in bad.output


def test_export_writes_xes_csv_and_json(db, clock, api_as, minimal, tmp_path):
    sponsor = api_as("sam", "sponsor")
    instance = sponsor.post("/instances", json={"process": "minimal"}).json
    [task] = sponsor.tasks()
    sponsor.complete(task["id"], {"number": 12})
    for fmt in ("xes", "csv", "json"):
        out = tmp_path / f"history.{fmt}"
        result = run(db, "audit", "export", "--format", fmt, "-o", str(out))
        assert result.exit_code == 0, result.output
    xes = (tmp_path / "history.xes").read_text()
    assert f'value="project-{instance["id"]}"' in xes and 'value="Answer a question"' in xes
    assert 'key="org:resource" value="sam"' in xes
    assert "task_completed" in (tmp_path / "history.csv").read_text()
    import json
    events = json.loads((tmp_path / "history.json").read_text())
    assert events[0]["kind"] == "instance_started" and events[0]["instance_id"] == instance["id"]


def test_migrations_create_exactly_the_models_tables(db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from engine.store.models import Base
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_init_demo_loads_users_and_projects_at_every_stage(tmp_path):
    from sqlalchemy import select

    from engine.store.db import Database
    from engine.store.models import ProcessInstance
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = CliRunner().invoke(main, ["init", "--demo"], env={"DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "hana.hub" in result.output and "sixgates-demo" in result.output
    db = Database(url)
    with db.reading() as s:
        stages = set(s.scalars(select(ProcessInstance.stage)))
    db.dispose()
    assert {"definition", "match", "codesign", "mobilisation", "pilot", "evidence_gate", "business_case", "scale",
            "closed"} <= stages
    again = CliRunner().invoke(main, ["init", "--demo"], env={"DATABASE_URL": url})
    assert "already deployed" in again.output and "demo data already present" in again.output


def test_verify_re_runs_projects_and_migrate_moves_them(db, clock, people, tmp_path):
    from engine.store.models import ProcessInstance
    from tests.diagram.test_six_gates import plan
    from tests.diagram_edits import deploy, move_to_lane, six_gates_files
    from tests.services.test_replay import rewrite_chain
    project = people.start()
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")
    tree, dmn, forms = six_gates_files()
    move_to_lane(tree, "gate4_mobilisation_approval", "lane_board_chair")
    target = deploy(db, clock, tree, dmn, forms)

    dry = run(db, "migrate", "--to", str(target.id), "--instance", str(project), "--as", "otto.owner", "--dry-run")
    assert dry.exit_code == 0 and f"can move  {project}  Faster lung cancer referrals: version 1 -> 2" in dry.output
    refused = run(db, "migrate", "--to", str(target.id), "--instance", str(project), "--as", "hana.hub")
    assert refused.exit_code == 1 and "Only a process owner" in refused.output
    moved = run(db, "migrate", "--to", str(target.id), "--instance", str(project), "--as", "otto.owner")
    assert moved.exit_code == 0 and f"moved  {project}" in moved.output
    with db.reading() as s:
        assert s.get(ProcessInstance, project).process_version_id == target.id

    ok = run(db, "audit", "verify")
    assert ok.exit_code == 0 and "ok: 2 chain(s) and 1 re-run(s) intact" in ok.output

    def forge(s, events):
        gate1 = next(e for e in events if e.task_name == "gate1_prioritisation" and e.kind == "task_completed")
        gate1.data_json = gate1.data_json.replace('"approve"', '"defer"')
    rewrite_chain(db, project, forge)
    assert run(db, "audit", "verify", "--chains-only").exit_code == 0
    bad = run(db, "audit", "verify", "--instance", str(project))
    assert bad.exit_code == 1 and f"MISMATCH instance:{project} event" in bad.output
    assert "re-running the project from its start" in bad.output
