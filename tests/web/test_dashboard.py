"""The pipeline dashboard through the test client, and the report it is drawn from."""
import json
import re

import pytest

from demo import seed
from demo.walker import Walker
from engine.errors import Forbidden
from engine.sixgates import dashboard
from engine.store.models import User
from tests import snapshots
from tests.conftest import add_user
from tests.web.test_login_inbox import login

PASSWORD = "dashboard-pass"
WEST, EAST = "West Midlands", "East Midlands"


def _plan(title, area, alliance):
    answers = seed.happy_path(title, area)
    answers["propose_challenge"] = {"title": title, "challenge_area": area, "alliance": alliance}
    return answers


@pytest.fixture
def pipeline(db, clock, six_gates):
    """Three projects: one at Gate 1, one at Gate 4 after 2 days at Gate 1, one at the Evidence Gate
    after 4 days at Gate 1; then 30 days pass so the open gate tasks are overdue."""
    def walk():
        for username, _name, roles, org in seed.DEMO_USERS:
            add_user(db, clock, username, *roles, org=org, password=PASSWORD)
        walker = Walker(db, clock)
        ids = {}
        for key, area, alliance, gate1_days, stop_at in [
            ("gate1", "Pathway Delays", WEST, None, "gate1_prioritisation"),
            ("gate4", "Early Diagnosis & Screening", EAST, 2, "gate4_mobilisation_approval"),
            ("gate5", "Pathway Delays", EAST, 4, "gate5_evidence_gate"),
        ]:
            plan = _plan(f"Project at {key}", area, alliance)
            ids[key] = walker.start()
            walker.walk(ids[key], plan, stop_at="gate1_prioritisation")
            if gate1_days:
                clock.advance(days=gate1_days)
                walker.walk(ids[key], plan, stop_at=stop_at)
        clock.advance(days=30)
        return ids
    return snapshots.once("dashboard pipeline", db, clock, walk)


def _report(db, clock, username="hana.hub", **filters):
    with db.reading() as s:
        user = s.query(User).filter_by(username=username).one()
        return dashboard.pipeline(s, user=user, now=clock.now(), **filters)


def _page_data(response) -> dict:
    found = re.search(rb'<script type="application/json" id="dashboard-data">(.*?)</script>', response.data, re.S)
    return json.loads(found.group(1))


def test_the_report_counts_stages_times_gates_and_lists_overdue_work(db, clock, pipeline):
    report = _report(db, clock)
    counts = {row["stage"]: row["count"] for row in report["stages"]}
    assert counts["definition"] == 1 and counts["mobilisation"] == 1 and counts["evidence_gate"] == 1
    assert [row["stage"] for row in report["stages"]][:3] == ["proposal", "definition", "match"]
    gate1 = next(row for row in report["gate_times"] if row["gate"] == "gate1_prioritisation")
    assert gate1["median_days"] == 3.0 and gate1["completed"] == 2
    overdue = {(row["project"], row["task"]) for row in report["overdue"]}
    assert ("Project at gate1", "Gate 1 – Prioritisation") in overdue
    assert all(row["days_overdue"] > 0 for row in report["overdue"])
    assert report["outcomes"] == [{"instance_id": pipeline["gate5"], "project": "Project at gate5",
                                   "met": 2, "total": 2}]
    assert {row["name"]: row["count"] for row in report["by_alliance"]} == {WEST: 1, EAST: 2}
    assert {row["name"]: row["count"] for row in report["by_challenge_area"]} == {
        "Pathway Delays": 2, "Early Diagnosis & Screening": 1}


def test_the_report_is_refused_to_a_board_member(db, clock, pipeline):
    with pytest.raises(Forbidden):
        _report(db, clock, username="bea.board")


def test_the_report_falls_back_to_comparing_measures_itself():
    data = {"outcome_measures": [{"measure": "a", "threshold": 80, "direction": "higher_is_better"},
                                 {"measure": "b", "threshold": 14, "direction": "lower_is_better"},
                                 {"measure": "c", "threshold": 1, "direction": "higher_is_better"}],
            "measured_outcomes": [{"measure": "a", "measured": 83}, {"measure": "b", "measured": 20}]}
    assert [r["met"] for r in dashboard.outcome_results(data)] == [True, False, False]


def test_the_dashboard_page_shows_each_section_as_chart_and_table(app, pipeline):
    client = app.test_client()
    login(client, "hana.hub", PASSWORD)
    response = client.get("/dashboard")
    assert response.status_code == 200
    page = response.data.decode()
    # six charts and the NHS logo
    assert page.count('role="img"') == 6 + 1 and "vendor/chart.umd.min.js" in page and "dashboard.js" in page
    assert 'aria-label="Median days at each gate: Gate 1 – Prioritisation 3.0 days' in page
    assert "Project at gate1" in page and "Gate 1 – Prioritisation" in page
    data = _page_data(response)
    assert {row["stage"]: row["count"] for row in data["stages"]}["mobilisation"] == 1


def test_filters_narrow_every_section(app, db, clock, pipeline):
    client = app.test_client()
    login(client, "hana.hub", PASSWORD)
    east = _page_data(client.get("/dashboard", query_string={"alliance": EAST}))
    assert sum(row["count"] for row in east["stages"]) == 2
    assert "Project at gate1" not in {row["project"] for row in east["overdue"]}
    both = _page_data(client.get("/dashboard", query_string={"alliance": EAST, "challenge_area": "Pathway Delays"}))
    assert [row["stage"] for row in both["stages"] if row["count"]] == ["evidence_gate"]
    assert both["by_alliance"] == [{"name": EAST, "count": 1}]
    gate1 = next(row for row in both["gate_times"] if row["gate"] == "gate1_prioritisation")
    assert gate1["median_days"] == 4.0


def test_a_board_member_is_refused_and_a_visitor_sent_to_sign_in(app, pipeline):
    assert app.test_client().get("/dashboard").status_code == 302
    client = app.test_client()
    login(client, "bea.board", PASSWORD)
    assert client.get("/dashboard").status_code == 403
