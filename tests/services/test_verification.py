"""Verification: hash chains and re-runs, against a database someone tampered with."""
import pytest
from sqlalchemy import select, update

from engine.errors import Forbidden
from engine.history import verification
from engine.store.models import AuditEvent, User
from tests.diagram.test_six_gates import plan
from tests.services.test_replay import rewrite_chain


@pytest.fixture
def two_projects(db, people):
    first, second = people.start(), people.start()
    people.walk(first, plan(), stop_at="gate2_partner_selection")
    people.walk(second, plan(), stop_at="invite_partners")
    return first, second


def run(db, username="aud.auditor", **kwargs):
    with db.reading() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return verification.verify(s, user=user, **kwargs)


def event_seq(db, project, kind, task_name):
    with db.reading() as s:
        return s.scalars(select(AuditEvent.seq).where(AuditEvent.instance_id == project, AuditEvent.kind == kind,
                                                      AuditEvent.task_name == task_name)).first()


def test_an_untouched_record_verifies(db, two_projects):
    report = run(db)
    assert report.problems == [] and report.instances == 2 and report.chains == 3  # two projects + system


def test_an_altered_event_is_reported_with_its_instance_and_number(db, two_projects):
    first, _ = two_projects
    seq = event_seq(db, first, "task_completed", "gate1_prioritisation")
    with db.engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.instance_id == first, AuditEvent.seq == seq)
                     .values(data_json=AuditEvent.data_json + " "))
    [problem, *rest] = run(db).problems
    assert (problem.check, problem.instance_id, problem.seq) == ("chain", first, seq)
    assert "altered" in problem.reason


def test_a_deleted_event_is_reported(db, two_projects):
    _, second = two_projects
    seq = event_seq(db, second, "task_completed", "define_challenge")
    with db.engine.begin() as conn:
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.instance_id == second, AuditEvent.seq == seq))
    problems = [p for p in run(db).problems if p.check == "chain"]
    assert problems[0].instance_id == second and problems[0].seq == seq
    assert "missing" in problems[0].reason


def test_reordered_events_are_reported(db, two_projects):
    first, _ = two_projects
    a = event_seq(db, first, "task_completed", "define_challenge")
    b = event_seq(db, first, "task_completed", "gate1_prioritisation")
    with db.engine.begin() as conn:
        table = AuditEvent.__table__
        conn.execute(update(table).where(table.c.instance_id == first, table.c.seq == a).values(seq=-1))
        conn.execute(update(table).where(table.c.instance_id == first, table.c.seq == b).values(seq=a))
        conn.execute(update(table).where(table.c.instance_id == first, table.c.seq == -1).values(seq=b))
    problems = [p for p in run(db).problems if p.instance_id == first]
    assert problems and problems[0].seq == a and "reordered" in problems[0].reason


def test_a_consistent_forgery_of_the_chain_is_caught_by_the_re_run(db, two_projects):
    first, second = two_projects

    def change(s, events):
        gate1 = next(e for e in events if e.kind == "task_completed" and e.task_name == "gate1_prioritisation")
        gate1.actor = "someone.else"
        gate1.data_json = gate1.data_json.replace('"approve"', '"defer"')
    rewrite_chain(db, first, change)
    [problem] = run(db).problems
    assert (problem.check, problem.instance_id) == ("rerun", first)
    assert "re-running the project from its start" in problem.reason
    assert run(db, rerun=False).problems == []  # the hash chains alone cannot tell


def test_batches_cover_every_project_once(db, two_projects):
    first_batch, second_batch = run(db, offset=0, limit=1), run(db, offset=1, limit=1)
    assert (first_batch.instances, second_batch.instances, first_batch.total) == (1, 1, 2)
    assert first_batch.chains == 2 and second_batch.chains == 1  # the system chain goes with the first


def test_only_auditors_verify(db, two_projects):
    with pytest.raises(Forbidden):
        run(db, "hana.hub")
