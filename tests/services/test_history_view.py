"""A project's history as a timeline and its replay, as each kind of viewer may read them."""
import json
import time

import pytest
from sqlalchemy import select

from engine.errors import BadRequest, Forbidden, NotFound
from engine.history import timeline
from engine.history.data_diff import diff_data, flatten
from engine.identity import accounts
from engine.runtime import migration
from engine.runtime.timers import fire_due
from engine.store.models import AuditEvent
from engine.tasks import claims
from tests import snapshots
from tests.conftest import add_user
from tests.diagram.test_six_gates import instance, plan
from tests.diagram_edits import deploy, insert_step_after, six_gates_files

EVERY_KIND = {"version_deployed", "instance_started", "task_ready", "task_claimed", "task_released",
              "task_completed", "gateway_taken", "decision_made", "timer_fired", "instance_migrated",
              "personal_data_viewed"}


def as_user(db, username, work):
    return db.writing(lambda s: work(s, accounts.require_user(s, username)))


def history_for(db, username, project, **filters):
    with db.reading() as s:
        return timeline.project_history(s, user=accounts.require_user(s, username), instance_id=project,
                                            **filters)


def frame_for(db, username, project, upto=None):
    with db.reading() as s:
        return timeline.replay_frame(s, user=accounts.require_user(s, username), instance_id=project, upto=upto)


def top(path: str) -> str:
    """The top-level key a change's path starts from: "eois[A].submitted" -> "eois"."""
    return path.split("[")[0].split(".")[0]


def completion(entries, bpmn_id, nth=0):
    return [e for e in entries if e.kind == "task_completed" and e.element_id == bpmn_id][nth]


@pytest.fixture
def eventful(db, clock, people):
    """A project that was claimed and released, deferred until its review date, moved to a new version
    and taken to the Evidence Gate (past a decision table), then viewed by an auditor."""
    def make_history():
        project = people.start()
        first = people.open_tasks(project)[0]
        as_user(db, "sam.sponsor", lambda s, u: claims.claim_task(s, user=u, task_id=first.id, clock=clock))
        as_user(db, "sam.sponsor", lambda s, u: claims.release_task(s, user=u, task_id=first.id, clock=clock))
        people.walk(project, plan(gate1_prioritisation={"gate1_decision": "defer", "review_date": "2026-04-15"}))
        clock.set(clock.now().replace(month=4, day=15, hour=10))
        assert fire_due(db, clock=clock) == 1
        people.walk(project, plan(), stop_at="prepare_mobilisation")
        clock.advance(days=1)
        tree, dmn, forms = six_gates_files()
        insert_step_after(tree, "prepare_mobilisation", "check_pack", "Check mobilisation pack", "lane_hub_team")
        target = deploy(db, clock, tree, dmn, forms)
        clock.advance(hours=1)
        as_user(db, "otto.owner", lambda s, u: migration.migrate_instance(
            s, user=u, instance_id=project, target_version_id=target.id, clock=clock))
        people.walk(project, plan(), stop_at="gate5_evidence_gate")
        clock.advance(hours=1)
        as_user(db, "aud.auditor", lambda s, u: timeline.view_history(s, user=u, instance_id=project, clock=clock))
        return project
    return snapshots.once("history_view eventful", db, clock, make_history)


def test_the_timeline_lists_every_kind_of_event_in_order(db, eventful):
    found = history_for(db, "aud.auditor", eventful)
    kinds = [e.kind for e in found.entries]
    assert EVERY_KIND <= set(kinds) and found.warnings == []
    own = [e.seq for e in found.entries if e.seq is not None]
    assert own == list(range(1, found.project["last_seq"] + 1))
    assert kinds[0] == "version_deployed" and kinds[1] == "instance_started" and kinds[-1] == "personal_data_viewed"
    moved = kinds.index("instance_migrated")
    assert kinds[moved - 1] == "version_deployed"
    assert found.entries[moved - 1].headline == "Version 2 of six_gates deployed"
    assert [(v["version"], v["since_seq"]) for v in found.versions] == [(1, 1), (2, found.entries[moved].seq)]
    assert len(found.frames) == len(own) and [f["seq"] for f in found.frames] == own


def test_each_event_names_its_element_its_actor_and_the_role_they_acted_in(db, eventful):
    entries = history_for(db, "aud.auditor", eventful).entries
    gate1 = completion(entries, "gate1_prioritisation")
    assert (gate1.element_name, gate1.actor, gate1.role_label) == ("Gate 1 – Prioritisation", "hana.hub", "Hub team")
    assert gate1.headline == "Gate 1 – Prioritisation completed" and gate1.by == "by Hana Okafor (Hub team)"
    claimed = next(e for e in entries if e.kind == "task_claimed")
    assert (claimed.element_name, claimed.actor, claimed.role_label) == ("Propose challenge", "sam.sponsor", "Sponsor")
    timer = next(e for e in entries if e.kind == "timer_fired")
    assert timer.headline == "Review date reached – timer fired"
    gateway = next(e for e in entries if e.kind == "gateway_taken" and e.element_id == "gate1_outcome")
    assert gateway.headline == "Gateway “Gate 1 decision?” took the path to Review date reached"
    decision = next(e for e in entries if e.kind == "decision_made")
    assert decision.element_name == "Recommend from evidence" and decision.details
    moved = next(e for e in entries if e.kind == "instance_migrated")
    assert (moved.headline, moved.role_label) == ("Moved from version 1 to 2", "Process owner")
    assert dict(moved.details)["Open tasks moved"] == "Prepare mobilisation pack"
    check = completion(entries, "check_pack")
    assert check.element_name == "Check mobilisation pack"  # named from the version it ran on then


def test_filters_keep_only_the_chosen_kind_and_person(db, eventful):
    found = history_for(db, "aud.auditor", eventful, kind="task_completed", actor="hana.hub")
    assert found.entries and all(e.kind == "task_completed" and e.actor == "hana.hub" for e in found.entries)
    assert found.total > len(found.entries) and ("hana.hub", "Hana Okafor") in found.actors
    assert ("decision_made", "Decision table result") in found.kinds
    assert history_for(db, "aud.auditor", eventful, actor="nobody").entries == []
    assert len(found.frames) == found.total - 3  # the replay still steps through every event
    with pytest.raises(BadRequest):
        history_for(db, "aud.auditor", eventful, kind="deleted")


def test_each_change_lists_exactly_the_keys_that_changed_with_old_and_new_values(db, clock, people):
    project = people.start()
    answers = plan(gate3_hub_signoff={"gate3_hub_decision": "rework", "gate3_hub_comments": "More detail"})
    people.walk(project, answers, stop_at="gate3_hub_signoff")
    people.walk(project, answers, stop_at="draft_specification")
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    entries = history_for(db, "aud.auditor", project).entries
    gate1 = completion(entries, "gate1_prioritisation")
    submitted = {path for path, _ in gate1.details}
    # the fields of the branches not chosen (review date, reason for rejection) are cleared, not answered
    assert {c.path for c in gate1.changes if c.new is not None} == submitted
    assert {c.path for c in gate1.changes if c.new is None} == {"review_date", "gate1_reason"}
    assert {c.kind for c in gate1.changes} == {"added"}
    second = completion(entries, "gate3_hub_signoff", nth=1)
    changed = {c.path: (c.old, c.new) for c in second.changes}
    assert changed["gate3_hub_decision"] == ("rework", "approve")
    assert set(changed) <= {path for path, _ in second.details}
    ready = next(e for e in entries if e.kind == "task_ready")
    assert ready.changes == []


def test_a_list_of_records_is_compared_record_by_record():
    before = {"eois": [{"partner": "A", "submitted": False}, {"partner": "B", "submitted": False}], "n": 1}
    after = {"eois": [{"partner": "C", "submitted": False}, {"partner": "A", "submitted": True},
                      {"partner": "B", "submitted": False}], "n": 1, "tags": ["x", "y"]}
    changes = [c.as_dict() for c in diff_data(before, after)]
    assert [(c["path"], c["kind"], c["old_text"], c["new_text"]) for c in changes] == [
        ("eois[A].submitted", "changed", "No", "Yes"),
        ("eois[C]", "added", "", "partner: C; submitted: No"),
        ("tags", "added", "", "x, y")]
    assert flatten({"scores": [{"partner": "A", "fit": 4}]}) == [("scores[A].fit", "4"), ("scores[A].partner", "A")]


def test_a_partner_sees_no_competitor_data_in_the_timeline_or_the_frames(db, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")
    found = history_for(db, "ivy.medtech", project)
    text = json.dumps([f for f in found.frames]) + json.dumps([e.as_dict() for e in found.entries])
    assert "ian.datahealth" not in text
    for frame in found.frames:
        assert not {"board_scores", "aggregated_scores", "partner_ranking"} & set(frame.get("data", {}))
        assert all(top(c["path"]) not in {"board_scores", "aggregated_scores"} for c in frame["event"]["changes"])
    with pytest.raises(Forbidden):  # the replay of any frame with its data is the auditors' (interface.md)
        frame_for(db, "ivy.medtech", project)
    assert not [e for e in found.entries if e.element_id in ("score_eois",) and e.kind == "task_completed"]


def test_a_board_member_does_not_see_the_other_members_scores(db, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    entries = history_for(db, "bea.board", project).entries
    scored = [e for e in entries if e.kind == "task_completed" and e.element_id == "score_eois"]
    assert len(scored) == 3 and [bool(e.details) for e in scored] == [e.actor == "bea.board" for e in scored]
    scores = [c.as_dict() for e in entries for c in e.changes if top(c.path) in {"board_scores", "scores"}]
    assert scores and all(top(c["path"]) == "board_scores" for c in scores)  # their own scores only
    assert "ben.board" not in json.dumps(scores) and "bea.board" in json.dumps(scores)


def test_a_tampered_record_shows_the_history_up_to_there_with_a_warning_naming_the_event(db, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")

    def tamper(s):
        gate1 = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == project,
                                                   AuditEvent.task_name == "gate1_prioritisation",
                                                   AuditEvent.kind == "task_completed")).one()
        gate1.data_json = gate1.data_json.replace('"approve"', '"reject"')
        return gate1.seq
    altered = db.writing(tamper)
    found = history_for(db, "aud.auditor", project)
    diverged = found.replay.diverged.seq
    assert diverged == altered  # the task's own row says otherwise
    assert f"Event {altered}: content was altered after it was recorded." in found.warnings
    assert any(w.startswith(f"Event {diverged}: re-running the project from its start does not reproduce")
               for w in found.warnings)
    assert found.entries[-1].seq == diverged and found.entries[-1].diverged
    assert [f["seq"] for f in found.frames][-1] == altered - 1  # frames stop before the event that fails
    assert frame_for(db, "aud.auditor", project)["diverged"]["seq"] == diverged


def test_a_frame_is_the_state_after_that_event_and_beyond_the_end_the_last(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="invite_partners")
    with db.reading() as s:
        gate1 = s.scalars(select(AuditEvent.seq).where(AuditEvent.instance_id == project,
                                                       AuditEvent.kind == "task_completed",
                                                       AuditEvent.task_name == "gate1_prioritisation")).one()
    frame = frame_for(db, "aud.auditor", project, upto=gate1)
    assert frame["seq"] == gate1 and "gate1_prioritisation" in frame["finished"]
    assert frame["data"]["gate1_decision"] == "approve"
    assert frame["event"]["headline"] == "Gate 1 – Prioritisation completed"
    before = frame_for(db, "aud.auditor", project, upto=gate1 - 1)
    assert "gate1_prioritisation" in before["active"] and "gate1_decision" not in before["data"]
    last = frame_for(db, "aud.auditor", project, upto=10_000)
    assert last == frame_for(db, "aud.auditor", project) and last["active"] == ["invite_partners"]
    with pytest.raises(BadRequest):
        frame_for(db, "aud.auditor", project, upto=0)
    add_user(db, clock, "olu.other", "industry_partner", org="Other Diagnostics Ltd")
    with pytest.raises(NotFound):
        frame_for(db, "olu.other", project)


def test_a_finished_project_replays_well_under_a_second(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="submit_kpi_return")
    while instance(db, project).status == "running":
        clock.advance(days=31)
        fire_due(db, clock=clock)
        people.walk(project, plan())
    started = time.perf_counter()
    found = history_for(db, "aud.auditor", project)
    assert time.perf_counter() - started < 1.0
    assert found.project["status"] == "completed" and found.warnings == [] and len(found.frames) > 60
    assert found.frames[-1]["event"]["kind"] == "instance_completed" and found.frames[-1]["active"] == []
