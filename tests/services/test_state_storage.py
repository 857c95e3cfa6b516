"""Workflow state is stored as a small shell plus finished tasks written once; nothing is lost."""
import pytest
from sqlalchemy import func, select

from engine import spiff
from engine.kernel.cache import workflows_kept_for
from engine.repository import deployments
from engine.repository.deployments import compiled_for
from engine.store.models import FinishedTask, ProcessInstance, Task
from tests.diagram.test_six_gates import plan


def stored(db, instance_id):
    with db.reading() as s:
        instance = s.get(ProcessInstance, instance_id)
        finished = dict(s.execute(select(FinishedTask.task_id, FinishedTask.body)
                                  .where(FinishedTask.instance_id == instance_id)).all())
        return compiled_for(instance.process_version), instance.state, finished, instance.lock_version


@pytest.mark.parametrize("passes", [1, 6])
def test_stored_state_equals_a_full_serialisation_after_every_loop(db, people, passes, monkeypatch):
    kept = workflows_kept_for(db)
    monkeypatch.setattr(kept, "size", 256)
    project = people.start()
    looping = plan(gate4_mobilisation_approval={"gate4_decision": "return", "gate4_comments": "Again."})
    people.walk(project, looping, stop_at="prepare_mobilisation")
    for _ in range(passes):
        people.walk(project, looping, stop_at="gate4_mobilisation_approval")
        people.walk(project, looping, stop_at="prepare_mobilisation")
        compiled, shell, finished, version = stored(db, project)
        live = kept.entries[project][2]  # the workflow this process kept after its last save
        assert spiff.assemble_state(shell, finished) == spiff.full_state(live) | {"serializer_version": "1.5"}
        reloaded = spiff.load_state(compiled, shell, finished)
        assert spiff.full_state(reloaded) == spiff.full_state(live)
    people.walk(project, plan(), stop_at="gate5_evidence_gate")


def test_a_save_writes_only_what_changed(db, people):
    project = people.start()
    looping = plan(gate4_mobilisation_approval={"gate4_decision": "return", "gate4_comments": "Again."})
    people.walk(project, looping, stop_at="prepare_mobilisation")
    sizes = []
    for _ in range(8):
        people.walk(project, looping, stop_at="gate4_mobilisation_approval")
        people.walk(project, looping, stop_at="prepare_mobilisation")
        _, shell, finished, _ = stored(db, project)
        sizes.append(len(shell))
    assert max(sizes) - min(sizes) < 2000  # only the ids of finished tasks add to the shell
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(FinishedTask)) > 40


def test_open_expressions_of_interest_still_finish_after_a_restart(db, people):
    """A fresh process parses the diagram again and restores the instance from the database:
    the multi-instance must still hear its children finish (SpiffWorkflow only wires that up
    when it creates a child or deserialises a spec)."""
    project = people.start()
    people.walk(project, plan(), stop_at="submit_eoi")
    deployments._compiled.clear()
    workflows_kept_for(db).clear()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    with db.reading() as s:
        assert s.scalars(select(Task.bpmn_id).where(Task.instance_id == project, Task.state == "ready")).all() \
            == ["gate2_partner_selection"]
