"""The confidentiality allow-list itself: what each reader of a project may see of its data and events."""
from demo.seed import DATAHEALTH, MEDTECH
from engine.policy.visibility import OUTSIDE_READERS, PARTNERS, SELECTED, SOMEONE, SPONSOR, Reader
from engine.store.models import Task

DATA = {
    "title": "Faster referrals", "call_brief": "What we look for", "invited_partners": [MEDTECH, DATAHEALTH],
    "board_members": ["bea.board", "ben.board"], "urgency_score": 4, "gate1_comments": "internal",
    "eois": [{"partner": MEDTECH, "solution_name": "M"}, {"partner": DATAHEALTH, "solution_name": "D"}],
    "board_scores": [{"board_member": "bea.board", "scores": []}, {"board_member": "ben.board", "scores": []}],
    "aggregated_scores": {MEDTECH: {"total_mean": 20}}, "partner_ranking": [MEDTECH, DATAHEALTH],
    "gate2_decision": "select", "selected_partners": [MEDTECH], "gate2_comments": "the chair's view",
    "objectives": "co-designed", "a_field_added_by_the_process_owner": "new",
}


def partner(org, *audiences):
    return Reader(f"someone@{org}", org, "outside", frozenset({PARTNERS, *audiences}))


def test_a_partner_reads_the_call_their_own_eoi_and_the_selection_and_nothing_else():
    shown = partner(DATAHEALTH).data(DATA)
    assert shown == {"title": "Faster referrals", "call_brief": "What we look for",
                     "eois": [{"partner": DATAHEALTH, "solution_name": "D"}],
                     "gate2_decision": "select", "selected_partners": [MEDTECH]}


def test_only_the_selected_partner_reads_what_it_co_designs():
    assert partner(MEDTECH, SELECTED).data(DATA)["objectives"] == "co-designed"
    assert "objectives" not in partner(DATAHEALTH).data(DATA)


def test_a_key_nobody_named_stays_inside_the_hub():
    sponsor = Reader("sam.sponsor", None, "outside", frozenset({SPONSOR}))
    assert "a_field_added_by_the_process_owner" not in sponsor.data(DATA)
    assert "eois" not in sponsor.data(DATA)  # a sponsor reads no EoI at all
    assert "a_field_added_by_the_process_owner" not in OUTSIDE_READERS
    hub = Reader("hana.hub", None, "hub", frozenset())
    assert hub.data(DATA) == DATA


def test_a_board_member_reads_their_own_scores_only_and_not_the_totals():
    shown = Reader("bea.board", None, "board", frozenset()).data(DATA)
    assert shown["board_scores"] == [{"board_member": "bea.board", "scores": []}]
    assert "aggregated_scores" not in shown and "partner_ranking" not in shown
    assert shown["eois"] == DATA["eois"] and shown["gate2_comments"] == "the chair's view"


def test_outside_the_hub_an_event_names_only_its_reader_and_their_organisation():
    reader = partner(MEDTECH)
    own_task = Task(id="t1", organisations=f"|{MEDTECH}|")
    chair = {"kind": "task_completed", "actor": "cara.chair", "data": {"gate2_decision": "select",
                                                                       "gate2_comments": "the chair's view"}}
    assert reader.event(chair, task=None) == {**chair, "actor": SOMEONE, "data": {"gate2_decision": "select"}}
    colleague = {"kind": "task_completed", "actor": "ivy.medtech", "data": {"solution_name": "M"}}
    assert reader.event(colleague, task=own_task) == colleague  # their organisation's own EoI, whole
    assert reader.event({"kind": "decision_made", "actor": "engine", "data": {}}, task=None) is None
    assert reader.event(colleague, task=own_task, task_visible=False) is None
    ready = {"kind": "task_ready", "actor": "engine", "data": {"role": "board_member", "assignee": "bea.board"}}
    assert reader.event(ready, task=None)["data"]["assignee"] == SOMEONE


def test_the_rest_of_the_hub_reads_the_selected_partners_eoi_and_no_scores():
    staff = Reader("cleo.clinical", None, "staff", frozenset(), frozenset({MEDTECH}))
    shown = staff.data(DATA)
    assert shown["eois"] == [{"partner": MEDTECH, "solution_name": "M"}]
    assert not {"board_scores", "aggregated_scores", "partner_ranking"} & set(shown)
    assert shown["gate2_comments"] == "the chair's view" and shown["objectives"] == "co-designed"
    theirs = {"kind": "task_completed", "actor": "ian.datahealth", "data": {"solution_name": "D"}}
    assert staff.event(theirs, task=Task(id="t2", organisations=f"|{DATAHEALTH}|"))["data"] == {}
    ours = {**theirs, "actor": "ivy.medtech", "data": {"solution_name": "M"}}
    assert staff.event(ours, task=Task(id="t3", organisations=f"|{MEDTECH}|"))["data"] == {"solution_name": "M"}


def test_outside_the_hub_events_are_numbered_as_seen_and_a_path_shows_only_what_they_may_read():
    reader = Reader("ian", DATAHEALTH, "outside", frozenset({PARTNERS}),
                    gateways={"gate2_outcome": frozenset({"gate2_decision"}),
                              "any_eois_submitted": frozenset({"submitted_partners"})})
    theirs = Task(id="t1", organisations=f"|{DATAHEALTH}|", stage="match")
    scoring = Task(id="t2", assignee="bea.board", stage="match")
    specification = Task(id="t3", stage="codesign")

    def event(seq, kind, task=None, name=None, **data):
        return ({"seq": seq, "kind": kind, "actor": "engine", "task": name, "data": data, "prev_hash": "h"},
                task, task is not scoring)

    shown = reader.events([
        event(11, "task_completed", theirs), event(12, "gateway_taken", name="any_eois_submitted", to=["score"]),
        event(13, "task_ready", scoring), event(14, "gateway_taken", name="gate2_outcome", to=["draft"]),
        event(15, "task_ready", specification), event(16, "gateway_taken", name="gate3_outcome", to=["gate4"]),
        event(17, "instance_completed", outcome="done")])
    assert [(v["seq"], v["kind"]) for v in shown if v] == [
        (1, "task_completed"), (2, "gateway_taken"), (3, "instance_completed")]
    assert shown[3]["data"] == {"to": ["draft"]} and not any("prev_hash" in v for v in shown if v)
    hub = Reader("hana.hub", None, "hub", frozenset())
    seen = hub.events([event(11, "task_completed", theirs), event(16, "gateway_taken", name="gate3_outcome")])
    assert [v["seq"] for v in seen] == [11, 16]  # the Hub keeps the record's own numbers


def test_outside_the_hub_a_task_answer_names_only_their_own_people():
    from engine.tasks.queries import task_summary
    task = Task(id="t4", instance_id=1, bpmn_id="gate3_clinical_signoff", title="Sign off", role="clinical_lead",
                stage="codesign", state="completed", claimed_by="cleo.clinical", completed_by="cleo.clinical")
    summary = task_summary(task, partner(MEDTECH, SELECTED))
    assert summary["claimed_by"] == summary["completed_by"] == SOMEONE and summary["assignee"] is None
    assert task_summary(task, Reader("hana.hub", None, "hub", frozenset()))["completed_by"] == "cleo.clinical"
