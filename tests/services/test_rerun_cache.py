"""The history's re-run is kept between reads, and read again the moment anything it reads changes."""
from engine.history import rerun_cache, timeline
from engine.identity import accounts
from engine.store.models import ProcessInstance
from tests.diagram.test_six_gates import plan
from tests.services.test_replay import rewrite_chain


def history_for(db, project):
    with db.reading() as s:
        return timeline.project_history(s, user=accounts.require_user(s, "hana.hub"), instance_id=project)


def test_a_second_read_of_the_same_record_is_not_re_run(db, clock, people, monkeypatch):
    project = people.start()
    people.walk(project, plan(), stop_at="invite_partners")
    first = history_for(db, project)
    monkeypatch.setattr(rerun_cache, "_rerun", lambda *args: (_ for _ in ()).throw(AssertionError("re-run")))
    again = history_for(db, project)
    assert again.frames == first.frames and again.warnings == first.warnings == []


def test_a_kept_re_run_does_not_hide_a_record_altered_after_it(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    assert history_for(db, project).warnings == []

    def change(s, events):
        gate1 = next(e for e in events if e.kind == "task_completed" and e.task_name == "gate1_prioritisation")
        gate1.data_json = gate1.data_json.replace('"approve"', '"reject"')
    rewrite_chain(db, project, change)
    assert any("differs from the task's own record" in w for w in history_for(db, project).warnings)


def test_a_kept_re_run_does_not_hide_a_stored_state_changed_after_it(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="invite_partners")
    assert history_for(db, project).warnings == []

    def work(s):
        instance = s.get(ProcessInstance, project)
        instance.data_json = instance.data_json.replace('"approve"', '"reject"')
    db.writing(work)
    assert any("gate1_decision" in w for w in history_for(db, project).warnings)


def test_the_next_event_is_shown_at_once(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="define_challenge")
    before = history_for(db, project).frames
    people.walk(project, plan(), stop_at="gate1_prioritisation")
    after = history_for(db, project).frames
    assert len(after) > len(before) and "define_challenge" in after[-1]["finished"]
