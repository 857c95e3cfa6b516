"""The `sixgates` command line. Every command exits non-zero with a one-line reason on failure."""
from __future__ import annotations

import functools
import logging
import signal
import subprocess
import sys
from pathlib import Path

import click

from engine.clock import Clock
from engine.errors import DiagramRejected, ServiceError
from engine.history import audit_export, document_archive, verification
from engine.identity import accounts, passwords
from engine.identity import tokens as api_tokens
from engine.repository import deployments
from engine.runtime import lifecycle, migration, timers
from engine.settings import Settings
from engine.store import schema
from engine.store.db import Database
from engine.store.models import User, UserRole
from engine.tasks import reassignment

ROOT = Path(__file__).resolve().parent.parent
CLI_ACTOR = "cli"


def _database() -> Database:
    return Settings.from_environment().database()


def reports_errors(command):
    """Turn service errors into one line on stderr and exit status 1."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DiagramRejected as exc:
            for finding in exc.findings:
                click.echo(_finding_line(finding), err=True)
            raise click.ClickException(f"deployment refused: {len(exc.problems)} problem(s)") from None
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None
    return wrapper


@click.group()
def main() -> None:
    """Six Gates: the NHS–industry innovation procedure on SpiffWorkflow."""


@main.command()
@click.option("--demo", is_flag=True, help="Add demo users and sample projects to a new database.")
@reports_errors
def init(demo: bool) -> None:
    """Create or upgrade the schema and deploy processes/ and forms/ if not yet deployed."""
    _set_up(_database(), demo=demo)


def _set_up(db: Database, *, demo: bool) -> None:
    """What `init` does: the schema, the procedure deployed, and the demo data and its logins if asked."""
    schema.upgrade(db)
    bpmn, dmn, forms = deployments.read_directory(ROOT / "processes", ROOT / "forms")
    version, created = db.writing(lambda s: deployments.deploy_process(
        s, bpmn=bpmn, dmn=dmn, forms=forms, actor=CLI_ACTOR, clock=Clock()))
    click.echo(f"{'deployed' if created else 'already deployed'}: {version.key} version {version.version}")
    if demo:
        from demo import seed as demo_data
        if not demo_data.load(db, clock=Clock()):
            click.echo("demo data already present")
        logins = demo_data.logins(db)  # every time, not only when first loaded: people forget them
        if logins:
            click.echo("demo logins (username / password):")
            for username, password, roles in logins:
                click.echo(f"  {username:<14} {password:<14} {', '.join(roles)}")


@main.group()
def users() -> None:
    """Manage users."""


@users.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, help="A role key; repeat for several.")
@click.option("--org", default=None, help="The user's organisation (required for industry partners).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--email", default=None, help="Where the user's notifications are e-mailed.")
@reports_errors
def users_add(name: str, roles: tuple[str, ...], org: str | None, password_stdin: bool, email: str | None) -> None:
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password_stdin:  # the same rule as the admin page's (passwords.check_password)
        passwords.check_password(password, username=name, organisation=org)
    _database().writing(lambda s: accounts.add_user(
        s, username=name, roles=list(roles), organisation=org, password=password, email=email,
        actor=CLI_ACTOR, clock=Clock()))
    click.echo(f"added {name}")


@users.command("email")
@click.argument("name")
@click.argument("address")
@reports_errors
def users_email(name: str, address: str) -> None:
    """Set where NAME's notifications are e-mailed; a blank ADDRESS ("") keeps them in the app only."""
    email = _database().writing(lambda s: accounts.set_email(s, name, email=address, actor=_operator(),
                                                             clock=Clock()).email)
    click.echo(f"{name}: notifications e-mailed to {email}" if email else f"{name}: notifications in the app only")


def _operator() -> User:
    """Whoever runs the command on the server, as the trail names them ("cli"): they hold the database, so they
    administer users as `users add` does. Never stored."""
    return User(username=CLI_ACTOR, display_name="the command line", active=True, role_rows=[UserRole(role="admin")])


@main.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("name")
@click.option("--label", default=api_tokens.DEFAULT_NAME, show_default=True, help="What the token is for.")
@click.option("--days", default=api_tokens.DEFAULT_DAYS, show_default=True, type=int,
              help=f"How many days it works (1 to {api_tokens.MAX_DAYS}).")
@reports_errors
def tokens_create(name: str, label: str, days: int) -> None:
    """Print a new bearer token for the user (only its hash is stored), and nothing else."""
    click.echo(_database().writing(lambda s: api_tokens.create_token(s, username=name, actor=CLI_ACTOR, clock=Clock(),
                                                                     name=label, days=days)))


@tokens.command("list")
@click.argument("name")
@reports_errors
def tokens_list(name: str) -> None:
    """List NAME's tokens, newest first: id, status, when each stops working, when last used, and its name."""
    with _database().reading() as session:
        views = api_tokens.list_tokens(session, name, actor=_operator(), clock=Clock())
    for view in views:
        click.echo(f"{view.id:<6} {view.status:<8} expires {_when(view.expires_at, 'never'):<16} "
                   f"last used {_when(view.last_used_at, 'never'):<16} {view.name}")
    if not views:
        click.echo(f"{name} has no API tokens")


def _when(at, otherwise: str) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else otherwise


@tokens.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@reports_errors
def tokens_revoke(token_id: int) -> None:
    """Revoke the token with this ID (from `tokens list`) at once."""
    view = _database().writing(lambda s: api_tokens.revoke_token(s, token_id, actor=_operator(), clock=Clock()))
    click.echo(f"revoked token {view.id} ({view.name}) of {view.username}")


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", default=2, type=int, help="gunicorn worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web UI and API with gunicorn."""
    from web.server import run
    run(host=host, port=port, workers=workers)


@main.command()
@click.option("--once", is_flag=True, help="Do what is due now, then exit.")
@click.option("--interval", default=timers.DEFAULT_INTERVAL, show_default=True,
              help="The longest the worker sleeps, in seconds; it wakes when work falls due or is committed.")
@reports_errors
def worker(once: bool, interval: float) -> None:
    """Fire due timers, send reminders and escalations, and e-mail notifications; several workers may run at once.
    SIGTERM or Ctrl-C stops it after the round it is in."""
    settings = Settings.from_environment()
    if not logging.getLogger().handlers:  # a worker on its own says what it does; under a test runner, not
        logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    fired = timers.run_worker(settings.database(), clock=Clock(), once=once, interval=interval,
                              smtp=settings.smtp(), lead=settings.due_soon_lead)
    click.echo(f"fired timers on {fired} instance(s)")


@main.command()
@click.option("--demo", is_flag=True, help="Add demo users and sample projects to a new database; print the logins.")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", default=2, type=int, help="gunicorn worker processes.")
@reports_errors
def run(demo: bool, host: str, port: int, workers: int) -> None:
    """Set up as `init` does, then serve the web UI and API with one worker beside it; Ctrl-C stops both."""
    _set_up(_database(), demo=demo)
    click.echo(f"Six Gates is at http://{host}:{port} (Ctrl-C stops it)")
    # Ctrl-C reaches the worker too; until it can stop cleanly (its imports done), it ignores it and the
    # server's exit ends it instead.
    worker_process = subprocess.Popen([sys.executable, "-m", "cli.commands", "worker"], cwd=Path.cwd(),
                                      preexec_fn=_ignore_ctrl_c)
    try:
        from web.server import run as serve_web
        serve_web(host=host, port=port, workers=workers)
    finally:
        _stop(worker_process)


def _ignore_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(process: subprocess.Popen) -> None:
    """End the worker beside the server (Ctrl-C reached it too, from the terminal); it finishes its round first."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--forms", "forms_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of form schemas (default: forms/ of this project).")
@reports_errors
def deploy(file: Path, forms_dir: Path | None) -> None:
    """Check and deploy a new version of a diagram (DMN files beside it are included)."""
    dmn = {p.name: p.read_bytes() for p in sorted(file.parent.glob("*.dmn"))}
    forms = {p.name: p.read_bytes() for p in sorted((forms_dir or ROOT / "forms").glob("*.json"))}
    deployment = _database().writing(lambda s: deployments.deploy_process(
        s, bpmn=file.read_bytes(), dmn=dmn, forms=forms, actor=CLI_ACTOR, clock=Clock()))
    for warning in deployment.warnings:
        click.echo(_finding_line(warning))
    version = deployment.version
    state = "deployed" if deployment.created else "already deployed"
    click.echo(f"{state}: {version.key} version {version.version} ({version.content_hash[:12]})")


def _finding_line(finding) -> str:
    """`error|warning  element-id  message`; the file stands in for the id of a whole-file finding."""
    where = finding.element_id or finding.file or "-"
    if finding.element_id and finding.file:
        where = f"{finding.file}#{finding.element_id}"
    return f"{finding.severity:<7}  {where}  {finding.message}"


@main.group()
def audit() -> None:
    """Verify and export the audit trail, and a project's documents.

    \b
    sixgates audit verify [--instance ID] [--chains-only]
    sixgates audit export --format xes|csv|json [--instance ID] -o FILE
    sixgates audit documents --instance ID --out FILE.zip
    """


@audit.command("verify")
@click.option("--instance", "instance_id", type=int, default=None, help="Only this project.")
@click.option("--chains-only", is_flag=True, help="Check the hash chains without re-running the projects.")
@reports_errors
def audit_verify(instance_id: int | None, chains_only: bool) -> None:
    """Check every hash chain and re-run every project from its start; exit 1 on any problem."""
    with _database().reading() as session:
        if instance_id is None:
            report = verification.check_records(session, rerun=not chains_only)
        else:
            report = verification.check_instance(session, instance_id, rerun=not chains_only)
    for problem in report.problems:
        click.echo(f"MISMATCH {problem}")
    done = f"{report.chains} chain(s){'' if chains_only else f' and {report.instances} re-run(s)'}"
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} problem(s) in {done}")
    click.echo(f"ok: {done} intact")


@main.command()
@click.option("--to", "target_version", type=int, required=True, help="Id of the version to move to.")
@click.option("--instance", "instance_ids", type=int, multiple=True, required=True, help="Project id (repeat).")
@click.option("--as", "username", required=True, help="The process owner doing it (goes on the audit trail).")
@click.option("--dry-run", is_flag=True, help="Only say what would happen.")
@reports_errors
def migrate(target_version: int, instance_ids: tuple[int, ...], username: str, dry_run: bool) -> None:
    """Move running projects to another version of their process, one transaction each."""
    db = _database()
    owner = db.writing(lambda s: accounts.require_user(s, username).id)
    failed = 0
    for outcome in migration.migrate_each(db, user_id=owner, instance_ids=list(instance_ids),
                                          target_version_id=target_version, clock=Clock(), dry_run=dry_run):
        plan = outcome.plan
        if plan is None:
            failed += 1
            click.echo(f"refused  {outcome.instance_id}  {outcome.error}")
            continue
        verdict = ("can move" if plan.safe else "cannot move") if dry_run else "moved"
        click.echo(f"{verdict}  {outcome.instance_id}  {plan.title}: version {plan.source} -> {plan.target}"
                   + "".join(f"\n  {reason}" for reason in plan.reasons))
        failed += 0 if plan.safe else 1
    if failed:
        raise click.ClickException(f"{failed} of {len(instance_ids)} project(s) cannot move")


@audit.command("export")
@click.option("--format", "fmt", type=click.Choice(audit_export.FORMATS), required=True)
@click.option("--instance", "instance_id", type=int, default=None)
@click.option("-o", "output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--lifecycle", type=click.Choice(audit_export.LIFECYCLES), default="complete", show_default=True,
              help="XES only: 'all' also lists when tasks became ready, were claimed or withdrawn.")
@reports_errors
def audit_export_command(fmt: str, instance_id: int | None, output: Path, lifecycle: str) -> None:
    """Export the history as XES, CSV or JSON."""
    with _database().reading() as session:
        written = audit_export.export(session, fmt=fmt, instance_id=instance_id, path=output, lifecycle=lifecycle)
    beside = "" if fmt == "xes" else f", {written.documents} document(s) and {written.comments} comment(s)"
    click.echo(f"wrote {written.events} event(s){beside} to {output}")


@audit.command("documents")
@click.option("--instance", "instance_id", type=int, required=True, help="The project.")
@click.option("--out", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The zip to write.")
@reports_errors
def audit_documents(instance_id: int, output: Path) -> None:
    """Write every document attached to a project to a zip, as "<task title>/<name>", with manifest.json (id, name,
    type, size, SHA-256, task, field, who uploaded it, when attached). Each file is checked against its recorded
    hash as it is written: a mismatch exits 1 and writes nothing. Each document's download goes on the record."""
    try:
        archive = _database().reading_then_writing(lambda s: document_archive.write_document_archive(
            s, instance_id=instance_id, path=output, actor=CLI_ACTOR, clock=Clock()))
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {archive.documents} document(s) and {document_archive.MANIFEST} to {output}")


@main.group()
def tasks() -> None:
    """Act on tasks as a named person."""


@tasks.command("reassign")
@click.argument("task_id")
@click.option("--to", "to", required=True, help="Username of the person who takes the task.")
@click.option("--reason", default="", help="Why (it goes on the project's record).")
@click.option("--as", "username", required=True, help="The Hub team member or admin doing it.")
@reports_errors
def tasks_reassign(task_id: str, to: str, reason: str, username: str) -> None:
    """Give an open task to another person who may do it."""
    def work(session):
        task = reassignment.reassign_task(session, user=accounts.require_user(session, username), task_id=task_id,
                                          to=to, reason=reason, clock=Clock())
        return f"reassigned {task.id} ({task.title}) to {task.assignee}"
    click.echo(_database().writing(work))


@main.group()
def projects() -> None:
    """A project's lifecycle beyond its diagram: withdraw, hold, resume, stop."""


def _lifecycle_command(name: str, change, doc: str) -> None:
    @projects.command(name, help=doc)
    @click.argument("instance_id", type=int)
    @click.option("--reason", default="", help="Why (it goes on the project's record).")
    @click.option("--as", "username", required=True, help="The person doing it (the services decide who may).")
    @reports_errors
    def command(instance_id: int, reason: str, username: str) -> None:
        def work(session):
            instance = change(session, user=accounts.require_user(session, username), instance_id=instance_id,
                              reason=reason, clock=Clock())
            return f"project {instance.id} ({instance.title}) is {instance.status.replace('_', ' ')}"
        click.echo(_database().writing(work))


_lifecycle_command("withdraw", lifecycle.withdraw, "Withdraw a challenge you proposed, before Gate 1 (its sponsor).")
_lifecycle_command("hold", lifecycle.hold, "Put a project on hold: its timers wait, its tasks cannot be completed.")
_lifecycle_command("resume", lifecycle.resume, "Resume a project on hold; timers that fell due fire at once.")
_lifecycle_command("stop", lifecycle.stop, "Stop a project for good, cancelling its open tasks.")


if __name__ == "__main__":  # `python -m cli.commands`: how `sixgates run` starts its worker
    main()
