"""Checking answers before they are submitted: what completing the task would record or refuse, changing nothing."""
import pytest

from engine.errors import Conflict, ValidationFailed
from engine.identity import accounts
from engine.kernel.cache import workflows_kept_for
from engine.tasks import completion
from tests.conftest import every_row
from tests.diagram.test_six_gates import plan


def check(db, clock, username, task_id, data):
    return db.writing(lambda s: completion.check_answers(s, user=accounts.require_user(s, username), task_id=task_id,
                                                         data=data, clock=clock))


def test_checking_answers_gives_what_would_be_recorded_and_changes_nothing(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate1_prioritisation")
    [gate1] = people.open_tasks(project)
    kept = workflows_kept_for(db).entries.get(project)
    before = every_row(db)
    answers = {"gate1_decision": "reject", "gate1_reason": "Another alliance runs this already.", "not_on_this_form": 1}
    with pytest.raises(ValidationFailed) as refused:
        check(db, clock, "hana.hub", gate1.id, answers)
    assert "not_on_this_form" in refused.value.fields
    del answers["not_on_this_form"]
    assert check(db, clock, "hana.hub", gate1.id, answers)["gate1_decision"] == "reject"
    assert every_row(db) == before
    assert workflows_kept_for(db).entries.get(project) is kept  # the next change still finds it in memory


def test_checking_a_task_someone_completed_says_so(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate1_prioritisation")
    [gate1] = people.open_tasks(project)
    people.walk(project, plan(), stop_at="create_call")
    with pytest.raises(Conflict, match="already completed"):
        check(db, clock, "hana.hub", gate1.id, plan()["gate1_prioritisation"])
