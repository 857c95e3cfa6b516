"""The sixgates command line keeps the work moving: users' e-mail addresses, reassigning a task and a
project's lifecycle, each as a named person whom the services let do it (or refuse in one line, exit 1)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from demo import seed
from engine.history import verification
from engine.store.models import AuditEvent, ProcessInstance, Task, User
from tests.api.test_cli import run
from tests.conftest import add_user

PLAN = seed.happy_path("Automated MDT preparation", "Multidisciplinary Team Efficiency")


def refused(result, words: str) -> bool:
    """Exit 1 with one line naming the reason."""
    lines = result.output.strip().splitlines()
    return result.exit_code == 1 and len(lines) == 1 and words in lines[0]


def email_of(db, username: str) -> str | None:
    with db.reading() as s:
        return s.scalars(select(User.email).where(User.username == username)).one()


def test_users_get_an_email_address_when_added_and_later(db, minimal):
    assert run(db, "users", "add", "bea", "--role", "board_member", "--email", "bea@nhs.net").exit_code == 0
    assert email_of(db, "bea") == "bea@nhs.net"
    assert refused(run(db, "users", "add", "ben", "--role", "board_member", "--email", "ben at nhs"),
                   "does not look like an e-mail address")
    changed = run(db, "users", "email", "bea", "bea.williams@nhs.net")
    assert changed.exit_code == 0 and "bea.williams@nhs.net" in changed.output
    assert email_of(db, "bea") == "bea.williams@nhs.net"
    assert refused(run(db, "users", "email", "bea", "not-an-address"), "does not look like an e-mail address")
    assert refused(run(db, "users", "email", "nobody", "x@nhs.net"), "No user called 'nobody'")
    cleared = run(db, "users", "email", "bea", "")
    assert cleared.exit_code == 0 and "in the app only" in cleared.output and email_of(db, "bea") is None
    with db.reading() as s:
        actors = s.scalars(select(AuditEvent.actor).where(AuditEvent.kind == "user_email_changed")).all()
    assert actors == ["cli", "cli"]


@pytest.fixture
def scoring(people):
    project = people.start()
    people.walk(project, PLAN, stop_at="score_eois")
    return project


def test_the_hub_reassigns_a_task_from_the_command_line(db, clock, scoring):
    add_user(db, clock, "bree.board", "board_member")
    with db.reading() as s:
        task = s.scalars(select(Task.id).where(Task.instance_id == scoring, Task.assignee == "bea.board",
                                               Task.state == "ready")).one()
    assert refused(run(db, "tasks", "reassign", task, "--to", "bree.board", "--reason", "x", "--as", "ivy.medtech"),
                   "No such task")
    assert refused(run(db, "tasks", "reassign", task, "--to", "bree.board", "--reason", "x", "--as", "bea.board"),
                   "Only the Hub team or an administrator")
    assert refused(run(db, "tasks", "reassign", task, "--to", "cleo.clinical", "--reason", "x", "--as", "hana.hub"),
                   "cannot do this task")
    assert refused(run(db, "tasks", "reassign", task, "--to", "bree.board", "--as", "hana.hub"), "Say why")
    assert refused(run(db, "tasks", "reassign", task, "--to", "bree.board", "--reason", "x", "--as", "nobody"),
                   "No user called")
    moved = run(db, "tasks", "reassign", task, "--to", "bree.board", "--reason", "Bea is on leave", "--as", "hana.hub")
    assert moved.exit_code == 0, moved.output
    assert moved.output.strip() == f"reassigned {task} (Score EoIs) to bree.board"
    with db.reading() as s:
        assert s.get(Task, task).assignee == "bree.board"
        assert verification.check_records(s, rerun=True).problems == []


def status_of(db, project: int) -> str:
    with db.reading() as s:
        return s.get(ProcessInstance, project).status


def test_the_hub_holds_resumes_and_stops_a_project_and_the_sponsor_withdraws_one(db, people, scoring):
    assert refused(run(db, "projects", "hold", str(scoring), "--reason", "x", "--as", "sam.sponsor"),
                   "Only the Hub team")
    assert refused(run(db, "projects", "hold", str(scoring), "--as", "hana.hub"), "Give a reason")
    held = run(db, "projects", "hold", str(scoring), "--reason", "Funding under review", "--as", "hana.hub")
    assert held.exit_code == 0 and held.output.strip().endswith("is on hold") and status_of(db, scoring) == "on_hold"
    assert refused(run(db, "projects", "hold", str(scoring), "--reason", "x", "--as", "hana.hub"), "is on hold")
    assert run(db, "projects", "resume", str(scoring), "--as", "hana.hub").exit_code == 0
    assert status_of(db, scoring) == "running"
    assert refused(run(db, "projects", "withdraw", str(scoring), "--reason", "x", "--as", "sam.sponsor"), "Gate 1")
    stopped = run(db, "projects", "stop", str(scoring), "--reason", "The trust withdrew", "--as", "hana.hub")
    assert stopped.exit_code == 0 and status_of(db, scoring) == "stopped"
    with db.reading() as s:
        assert not s.scalars(select(Task).where(Task.instance_id == scoring, Task.state == "ready")).all()

    fresh = people.start()  # the sponsor's new challenge, before Gate 1
    assert refused(run(db, "projects", "withdraw", str(fresh), "--reason", "x", "--as", "hana.hub"),
                   "Only the sponsor who proposed")
    withdrawn = run(db, "projects", "withdraw", str(fresh), "--reason", "Not needed", "--as", "sam.sponsor")
    assert withdrawn.exit_code == 0 and status_of(db, fresh) == "withdrawn"
    assert refused(run(db, "projects", "resume", "999999", "--as", "hana.hub"), "No such instance")
    with db.reading() as s:
        assert verification.check_records(s, rerun=True).problems == []
