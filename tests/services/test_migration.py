"""Moving running projects to a new version of the procedure: dry run, migration, audit."""
import json

import pytest
from sqlalchemy import select

from engine.errors import Conflict, Forbidden
from engine.identity import accounts
from engine.kernel.cache import workflows_kept_for
from engine.runtime import migration
from engine.store import trail
from engine.store.models import AuditEvent, ProcessInstance, ProcessVersion, Task, User
from engine.tasks import claims, completion, queries
from tests.diagram.test_six_gates import _sample, plan
from tests.diagram_edits import deploy, insert_step_after, move_to_lane, remove_step, rename_id, six_gates_files


def owner(db, clock):
    from tests.conftest import add_user
    add_user(db, clock, "olga.owner", "process_owner")
    with db.reading() as s:
        return s.scalars(select(User).where(User.username == "olga.owner")).one().id


def as_user(db, user_id, work):
    return db.writing(lambda s: work(s, s.get(User, user_id)))


def open_steps(db, project):
    with db.reading() as s:
        return sorted(s.scalars(select(Task.bpmn_id).where(Task.instance_id == project, Task.state == "ready")))


def forget_cached_workflows(db):
    """As another server process would be: the next change reads the instance from the database."""
    workflows_kept_for(db).clear()


def test_a_project_moves_to_a_version_with_a_new_step_and_takes_it(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    tree, dmn, forms = six_gates_files()
    insert_step_after(tree, "prepare_mobilisation", "check_pack", "Check mobilisation pack", "lane_hub_team")
    target = deploy(db, clock, tree, dmn, forms)
    me = owner(db, clock)

    [dry] = as_user(db, me, lambda s, u: migration.plan_migrations(s, user=u, instance_ids=[project],
                                                                    target_version_id=target.id))
    assert dry.safe and dry.source == 1 and dry.target == 2
    assert [t["bpmn_id"] for t in dry.open_tasks] == ["prepare_mobilisation"]
    assert "what follows it changes" in dry.open_tasks[0]["changes"]
    with db.reading() as s:
        assert s.get(ProcessInstance, project).process_version_id != target.id  # a dry run changes nothing

    as_user(db, me, lambda s, u: migration.migrate_instance(s, user=u, instance_id=project,
                                                            target_version_id=target.id, clock=clock))
    forget_cached_workflows(db)
    assert open_steps(db, project) == ["prepare_mobilisation"]
    people.walk(project, plan(), stop_at="check_pack")
    assert open_steps(db, project) == ["check_pack"]
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")
    assert open_steps(db, project) == ["gate4_mobilisation_approval"]
    with db.reading() as s:
        assert s.get(ProcessInstance, project).process_version_id == target.id
        event = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == project,
                                                   AuditEvent.kind == "instance_migrated")).one()
        moved = json.loads(event.data_json)
        assert event.actor == "olga.owner" and (moved["from"]["version"], moved["to"]["version"]) == (1, 2)
        assert trail.verify_instance(s, project) == []


def test_an_open_task_moved_to_another_lane_goes_to_that_role(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")
    tree, dmn, forms = six_gates_files()
    move_to_lane(tree, "gate4_mobilisation_approval", "lane_board_chair")
    target = deploy(db, clock, tree, dmn, forms)
    me = owner(db, clock)
    [dry] = as_user(db, me, lambda s, u: migration.plan_migrations(s, user=u, instance_ids=[project],
                                                                    target_version_id=target.id))
    assert dry.safe and "it moves to the lane “Board chair”" in dry.open_tasks[0]["changes"]
    as_user(db, me, lambda s, u: migration.migrate_instance(s, user=u, instance_id=project,
                                                            target_version_id=target.id, clock=clock))
    forget_cached_workflows(db)
    with db.reading() as s:
        row = s.scalars(select(Task).where(Task.instance_id == project, Task.state == "ready")).one()
        assert row.role == "board_chair"
    with db.reading() as s:
        chair = s.scalars(select(User).where(User.username == "cara.chair")).one()
        assert [t.bpmn_id for t in queries.list_tasks(s, user=chair)] == ["gate4_mobilisation_approval"]
    people.walk(project, plan(), stop_at="report_pilot_outcomes")
    assert open_steps(db, project) == ["report_pilot_outcomes"]


def test_a_project_whose_open_step_is_gone_is_refused_and_left_alone(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")
    tree, dmn, forms = six_gates_files()
    rename_id(tree, "gate4_mobilisation_approval", "gate4_new_approval")
    target = deploy(db, clock, tree, dmn, forms)
    me = owner(db, clock)
    [dry] = as_user(db, me, lambda s, u: migration.plan_migrations(s, user=u, instance_ids=[project],
                                                                    target_version_id=target.id))
    assert not dry.safe
    assert any("gate4_mobilisation_approval" in reason and "does not exist" in reason for reason in dry.reasons)
    with pytest.raises(Conflict, match="gate4_mobilisation_approval"):
        as_user(db, me, lambda s, u: migration.migrate_instance(s, user=u, instance_id=project,
                                                                target_version_id=target.id, clock=clock))
    with db.reading() as s:
        assert s.get(ProcessInstance, project).process_version.version == 1
    people.walk(project, plan(), stop_at="report_pilot_outcomes")  # it goes on under its own version
    assert open_steps(db, project) == ["report_pilot_outcomes"]


def test_history_of_removed_elements_blocks_a_migration(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")
    tree, dmn, forms = six_gates_files()
    remove_step(tree, "define_challenge")
    target = deploy(db, clock, tree, dmn, forms)
    me = owner(db, clock)
    [dry] = as_user(db, me, lambda s, u: migration.plan_migrations(s, user=u, instance_ids=[project],
                                                                    target_version_id=target.id))
    assert not dry.safe and any("already passed define_challenge" in r for r in dry.reasons)


def test_open_expressions_of_interest_keep_their_partner_and_deadline(db, clock, people):
    """Multi-instance children and waiting timers survive a migration with their data."""
    project = people.start()
    people.walk(project, plan(), stop_at="submit_eoi")
    with db.reading() as s:
        before = {r.id: r.organisations for r in s.scalars(
            select(Task).where(Task.instance_id == project, Task.state == "ready"))}
        timer_before = s.get(ProcessInstance, project).next_timer_at
    tree, dmn, forms = six_gates_files()
    move_to_lane(tree, "gate4_mobilisation_approval", "lane_board_chair")
    target = deploy(db, clock, tree, dmn, forms)
    me = owner(db, clock)
    as_user(db, me, lambda s, u: migration.migrate_instance(s, user=u, instance_id=project,
                                                            target_version_id=target.id, clock=clock))
    forget_cached_workflows(db)
    with db.reading() as s:
        after = {r.id: r.organisations for r in s.scalars(
            select(Task).where(Task.instance_id == project, Task.state == "ready"))}
        assert s.get(ProcessInstance, project).next_timer_at == timer_before
    assert after == before and len(after) == 2
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")
    with db.reading() as s:
        assert s.scalars(select(Task.role).where(Task.instance_id == project, Task.state == "ready")).one() \
            == "board_chair"


def test_only_process_owners_migrate(db, clock, people):
    project = people.start()
    with db.reading() as s:
        sponsor = s.scalars(select(User).where(User.username == "sam.sponsor")).one().id
        version = s.get(ProcessInstance, project).process_version_id
    with pytest.raises(Forbidden):
        as_user(db, sponsor, lambda s, u: migration.plan_migrations(s, user=u, instance_ids=[project],
                                                                     target_version_id=version))


def test_a_batch_moves_each_project_in_its_own_unit_of_work_and_says_why_for_the_others(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    tree, dmn, forms = six_gates_files()
    insert_step_after(tree, "prepare_mobilisation", "check_pack", "Check mobilisation pack", "lane_hub_team")
    target = deploy(db, clock, tree, dmn, forms)
    me = owner(db, clock)

    def batch(user_id, ids, **options):
        return migration.migrate_each(db, user_id=user_id, instance_ids=ids, target_version_id=target.id,
                                      clock=clock, **options)

    dry = batch(me, [project, 99999], dry_run=True)
    assert [(o.instance_id, o.plan.safe if o.plan else None, o.migrated, o.error) for o in dry] == [
        (project, True, False, None), (99999, None, False, "No project 99999.")]
    with db.reading() as s:
        assert s.get(ProcessInstance, project).process_version_id != target.id  # a dry run changes nothing
    done = [o.as_dict() for o in batch(me, [project, 99999, project])]
    assert done[0]["migrated"] and (done[0]["instance_id"], done[0]["source"], done[0]["target"]) == (project, 1, 2)
    assert done[1] == {"instance_id": 99999, "migrated": False, "error": "No project 99999."}
    assert not done[2]["migrated"] and "already runs on version 2" in done[2]["error"]
    with db.reading() as s:  # the refusals after it did not undo the move
        assert s.get(ProcessInstance, project).process_version_id == target.id
    with db.reading() as s:
        sponsor = s.scalars(select(User).where(User.username == "sam.sponsor")).one().id
    assert [o.error for o in batch(sponsor, [project])] == [
        "Only a process owner may move projects to another process version."]


@pytest.mark.parametrize("stop_at", ["define_challenge", "score_eois", "gate2_partner_selection",
                                     "gate3_clinical_signoff", "gate5_evidence_gate", "submit_kpi_return"])
def test_a_project_moved_at_any_stage_finishes_and_its_record_re_runs(db, clock, people, stop_at):
    """Multi-instance scoring, sequential sign-offs, decision tables and timed KPI returns all carry on."""
    from engine.history import rerun
    from engine.runtime.timers import fire_due
    project = people.start()
    people.walk(project, plan(), stop_at=stop_at)
    tree, dmn, forms = six_gates_files()
    move_to_lane(tree, "gate4_mobilisation_approval", "lane_board_chair")
    insert_step_after(tree, "record_lessons_learned", "file_lessons", "File the lessons learned", "lane_hub_team")
    target = deploy(db, clock, tree, dmn, forms)
    as_user(db, owner(db, clock), lambda s, u: migration.migrate_instance(
        s, user=u, instance_id=project, target_version_id=target.id, clock=clock))
    forget_cached_workflows(db)
    people.walk(project, plan())
    while True:
        with db.reading() as s:
            if s.get(ProcessInstance, project).status != "running":
                break
        clock.advance(days=31)
        fire_due(db, clock=clock)
        people.walk(project, plan())
    with db.reading() as s:
        done = list(s.scalars(select(AuditEvent.task_name).where(
            AuditEvent.instance_id == project, AuditEvent.kind == "task_completed").order_by(AuditEvent.seq)))
        assert done[-2:] == ["record_lessons_learned", "file_lessons"]
        assert rerun.rerun_instance(s, s.get(ProcessInstance, project)) is None


def test_a_boundary_event_added_to_the_open_step_blocks_the_move(db, clock, people):
    """SpiffWorkflow builds a boundary event's split when the step is reached: an open step cannot gain one."""
    from lxml import etree

    from tests.diagram_edits import NS, _q, element
    project, early = people.start(), people.start()
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")
    people.walk(early, plan(), stop_at="prepare_mobilisation")
    tree, dmn, forms = six_gates_files()
    process = element(tree, "gate4_mobilisation_approval").getparent()
    sla = etree.SubElement(process, _q("boundaryEvent"), id="gate4_sla", name="Gate 4 overdue",
                           attachedToRef="gate4_mobilisation_approval", cancelActivity="false")
    etree.SubElement(sla, _q("outgoing")).text = "flow_sla"
    timer = etree.SubElement(etree.SubElement(sla, _q("timerEventDefinition")), _q("timeDuration"))
    timer.text = '"P5D"'
    end = etree.SubElement(process, _q("endEvent"), id="sla_end")
    etree.SubElement(end, _q("incoming")).text = "flow_sla"
    etree.SubElement(process, _q("sequenceFlow"), id="flow_sla", sourceRef="gate4_sla", targetRef="sla_end")
    lane = tree.xpath("//bpmn:lane[bpmn:flowNodeRef='gate4_mobilisation_approval']", namespaces=NS)[0]
    for node in ("gate4_sla", "sla_end"):
        etree.SubElement(lane, _q("flowNodeRef")).text = node
    target = deploy(db, clock, tree, dmn, forms)
    me = owner(db, clock)
    [dry] = as_user(db, me, lambda s, u: migration.plan_migrations(s, user=u, instance_ids=[project],
                                                                    target_version_id=target.id))
    assert not dry.safe
    assert "The open step “Gate 4 – Mobilisation approval” gains or loses a boundary event." in dry.reasons[0]
    # A project that has not reached Gate 4 yet moves, and meets the new timer there.
    as_user(db, me, lambda s, u: migration.migrate_instance(s, user=u, instance_id=early,
                                                            target_version_id=target.id, clock=clock))
    forget_cached_workflows(db)
    people.walk(early, plan(), stop_at="report_pilot_outcomes")
    assert open_steps(db, early) == ["report_pilot_outcomes"]


def test_a_change_to_what_follows_a_step_already_passed_blocks_the_move(db, clock, people):
    """The tree SpiffWorkflow built behind the project is not rebuilt: a new branch after a passed parallel
    split would never be joined. So any step passed on the way to an open one must lead where it led."""
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    tree, dmn, forms = six_gates_files()
    insert_step_after(tree, "invite_partners", "brief_board", "Brief the board", "lane_hub_team")
    target = deploy(db, clock, tree, dmn, forms)
    [dry] = as_user(db, owner(db, clock), lambda s, u: migration.plan_migrations(
        s, user=u, instance_ids=[project], target_version_id=target.id))
    assert not dry.safe
    assert any("The paths after “Invite partners and open call”" in reason for reason in dry.reasons)


def test_moved_open_tasks_take_the_target_versions_rules(db, clock, people):
    """Four-eyes added by the target version applies to the open Gate 4 at once, and bars its claimant."""
    tree, dmn, forms = six_gates_files()
    for prop in tree.xpath("//*[@id='gate4_mobilisation_approval']//*[@name='notCompletedBy']"):
        prop.getparent().remove(prop)
    lax = deploy(db, clock, tree, dmn, forms)  # version 2: no four-eyes at Gate 4
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    with db.reading() as s:
        assert s.get(ProcessInstance, project).process_version_id == lax.id
        [prepare] = s.scalars(select(Task).where(Task.instance_id == project, Task.state == "ready")).all()
    db.writing(lambda s: completion.complete_task(s, user=accounts.require_user(s, "hugo.hub"), task_id=prepare.id,
                                               clock=clock, data=_sample(s, "hugo.hub", prepare.id)))
    [gate4] = people.open_tasks(project)
    assert gate4.excluded_users is None
    db.writing(lambda s: claims.claim_task(s, user=accounts.require_user(s, "hugo.hub"), task_id=gate4.id,
                                          clock=clock))
    with db.reading() as s:
        strict = s.scalars(select(ProcessVersion).where(ProcessVersion.version == 1)).one().id
    as_user(db, owner(db, clock), lambda s, u: migration.migrate_instance(
        s, user=u, instance_id=project, target_version_id=strict, clock=clock))
    [moved] = people.open_tasks(project)
    assert moved.id == gate4.id and moved.excluded_users == "|hugo.hub|" and moved.claimed_by is None
