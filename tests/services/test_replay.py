"""Re-running instances from their start on their own version with the recorded inputs."""
import json
from datetime import timedelta

from sqlalchemy import select

from demo import seed
from demo.walker import Walker
from engine import spiff
from engine.clock import FixedClock
from engine.history import rerun
from engine.kernel import change
from engine.repository.deployments import compiled_for
from engine.runtime.timers import fire_due
from engine.store import trail
from engine.store.models import AuditEvent, ProcessInstance, Task
from tests.diagram.test_six_gates import plan
from tests.diagram_edits import deploy, insert_step_after, six_gates_files
from tests.services.test_migration import as_user, owner


def first_divergence(db, project):
    with db.reading() as s:
        return rerun.rerun_instance(s, s.get(ProcessInstance, project))


def rewrite_chain(db, project, change) -> None:
    """Tamper like someone who knows the hash rule: change an event, then re-hash the chain after it."""
    def work(s):
        events = trail.list_events(s, trail.chain_of(project))
        change(s, events)
        prev = ""
        for e in sorted(events, key=lambda e: e.seq):
            e.prev_hash = prev
            e.hash = trail.event_hash(chain=e.chain, seq=e.seq, at=e.at, actor=e.actor, kind=e.kind,
                                        task_id=e.task_id, task_name=e.task_name, data_json=e.data_json,
                                        prev_hash=prev)
            prev = e.hash
        instance = s.get(ProcessInstance, project)
        instance.audit_head = prev
        instance.audit_seq = max(e.seq for e in events)
        assert trail.verify_instance(s, project) == []  # the hash chain alone can no longer tell
    db.writing(work)


def test_a_whole_project_with_timers_and_loops_re_runs_to_its_recorded_state(db, clock, people):
    project = people.start()
    answers = plan(
        gate3_hub_signoff={"gate3_hub_decision": "rework", "gate3_hub_comments": "More detail"},
        invite_partners={"invited_partners": [seed.MEDTECH, seed.DATAHEALTH],
                         "board_members": ["bea.board", "ben.board", "bill.board"], "call_closes_at": "2026-03-20"})
    people.walk(project, answers, stop_at="submit_eoi")
    people.complete(people.open_tasks(project)[0])  # one EoI answered, the other closed by its deadline
    clock.set(clock.now().replace(day=21))
    assert fire_due(db, clock=clock) == 1
    people.walk(project, answers, stop_at="gate3_hub_signoff")
    people.walk(project, answers, stop_at="draft_specification")  # sent back once
    people.walk(project, plan(), stop_at="submit_kpi_return")
    assert first_divergence(db, project) is None


def test_a_migrated_project_re_runs_across_both_versions(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    tree, dmn, forms = six_gates_files()
    insert_step_after(tree, "prepare_mobilisation", "check_pack", "Check mobilisation pack", "lane_hub_team")
    target = deploy(db, clock, tree, dmn, forms)
    from engine.runtime import migration
    as_user(db, owner(db, clock), lambda s, u: migration.migrate_instance(
        s, user=u, instance_id=project, target_version_id=target.id, clock=clock))
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")
    assert first_divergence(db, project) is None


def test_altered_form_data_is_found_even_when_the_chain_was_re_hashed(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")

    def change(s, events):
        gate1 = next(e for e in events if e.kind == "task_completed" and e.task_name == "gate1_prioritisation")
        gate1.data_json = gate1.data_json.replace('"approve"', '"reject"')
    rewrite_chain(db, project, change)
    with db.reading() as s:
        gate1_seq, gate1_task = s.execute(select(AuditEvent.seq, AuditEvent.task_id).where(
            AuditEvent.instance_id == project, AuditEvent.task_name == "gate1_prioritisation",
            AuditEvent.kind == "task_completed")).one()
    found = first_divergence(db, project)
    assert found.seq == gate1_seq and "differs from the task's own record" in found.reason
    # Forging the task's row as well still fails: the engine, re-run, takes the other path.
    db.writing(lambda s: setattr(s.get(Task, gate1_task), "data_json",
                                 s.get(Task, gate1_task).data_json.replace('"approve"', '"reject"')))
    found = first_divergence(db, project)
    assert found.seq > gate1_seq and "gateway taken gate1_outcome" in found.reason


def test_a_forged_actor_time_or_unreadable_event_is_reported_at_that_event(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="invite_partners")
    with db.reading() as s:
        events = trail.list_events(s, trail.chain_of(project))
        gate1 = next(e.seq for e in events if e.task_name == "gate1_prioritisation" and e.kind == "task_completed")

    def forge(**changes):
        def change(s, events):
            event = next(e for e in events if e.seq == gate1)
            for name, value in changes.items():
                setattr(event, name, value(event) if callable(value) else value)
        return change
    rewrite_chain(db, project, forge(actor="someone.else"))
    assert first_divergence(db, project).seq == gate1
    rewrite_chain(db, project, forge(actor=lambda e: "hana.hub", at=lambda e: e.at - timedelta(days=3)))
    assert first_divergence(db, project).reason == "it is dated before the event recorded ahead of it"
    rewrite_chain(db, project, forge(at=lambda e: e.at + timedelta(days=3), data_json='"x"'))
    assert first_divergence(db, project).reason == "its data is not a set of named values"


def test_a_deleted_completion_is_found(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="invite_partners")

    removed = []

    def change(s, events):
        doomed = next(e for e in events if e.kind == "task_completed" and e.task_name == "define_challenge")
        removed.append(doomed.seq)
        events.remove(doomed)
        s.delete(doomed)
        s.flush()
        for e in events:
            if e.seq > doomed.seq:
                e.seq -= 1
        s.flush()
    rewrite_chain(db, project, change)
    found = first_divergence(db, project)
    # The first event the re-run cannot explain is the one that now sits where the completion was.
    assert found is not None and found.seq == removed[0]
    assert found.reason == "the record has task ready gate1_prioritisation; the re-run has nothing"


def test_a_changed_stored_state_is_found(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="invite_partners")
    assert first_divergence(db, project) is None

    def work(s):
        instance = s.get(ProcessInstance, project)
        instance.data_json = instance.data_json.replace('"approve"', '"reject"')
    db.writing(work)
    found = first_divergence(db, project)
    assert found is not None and "gate1_decision" in found.reason



def test_data_stored_mid_call_before_eois_left_the_top_level_still_re_runs(db, clock, people):
    """Saved before the fix, an open call's data was the last EoI's: that is still the engine's own."""
    project = people.start()
    people.walk(project, plan(), stop_at="submit_eoi")
    people.complete(people.open_tasks(project)[0], {"solution_name": "Ours"})
    with db.reading() as s:
        instance = s.get(ProcessInstance, project)
        legacy = spiff.survey(change.workflow_of(instance, compiled_for(instance.process_version)),
                                      since=float("inf")).last_task_data
        assert "solution_name" not in json.loads(instance.data_json) and legacy["solution_name"] == "Ours"

    def store(s, data):
        s.get(ProcessInstance, project).data_json = json.dumps(data, default=str)
    db.writing(lambda s: store(s, legacy))
    assert first_divergence(db, project) is None
    db.writing(lambda s: store(s, {**legacy, "solution_name": "Theirs"}))
    assert "solution_name" in first_divergence(db, project).reason


class TickingClock(FixedClock):
    """A real clock in miniature: every reading is a millisecond after the one before."""

    def now(self):
        self._now += timedelta(milliseconds=1)
        return self._now


def test_a_timer_fired_the_moment_it_fell_due_re_runs_the_same(db, clock, people):
    """The engine and the trail read the clock once per change, so a timer started by a change is
    due at the very time the re-run computes from the recorded one."""
    ticking = TickingClock(clock.now())
    walker = Walker(db, ticking)
    project = walker.start()
    walker.walk(project, plan(), stop_at="submit_kpi_return")
    with db.reading() as s:
        due = s.get(ProcessInstance, project).next_timer_at
    ticking.set(due - timedelta(milliseconds=1))  # the worker's next reading is the due moment itself
    assert fire_due(db, clock=ticking) == 1
    assert first_divergence(db, project) is None
