"""Rule report pages: an auditor answers four-eyes and conflict questions from the pages and CSVs alone."""
import csv
import io
import json

import pytest
from sqlalchemy import select

from demo import seed
from demo.walker import Walker
from engine.history import rule_reports
from engine.store.models import AuditEvent
from engine.store.trail import SYSTEM_CHAIN
from tests import snapshots
from tests.web.conftest import signed_in

PAGES = ["/audit/rules", "/audit/rules/four-eyes", "/audit/rules/four-eyes.csv", "/audit/rules/conflicts",
         "/audit/rules/conflicts.csv", "/audit/rules/actions", "/audit/rules/actions.csv",
         "/audit/rules/actions-list.csv"]


def plan(title="Automated MDT preparation"):
    return seed.happy_path(title, "Multidisciplinary Team Efficiency")


@pytest.fixture
def approved(db, clock, at_gate4):
    """The project at Gate 4, approved by the finance approver: its id."""
    def approve():
        Walker(db, clock).walk(at_gate4, plan(), stop_at="report_pilot_outcomes")
        return at_gate4
    return snapshots.once("rules_pages approved", db, clock, approve)


def completion(db, project, bpmn_id, actor=None) -> AuditEvent:
    with db.reading() as s:
        stmt = select(AuditEvent).where(AuditEvent.instance_id == project, AuditEvent.task_name == bpmn_id,
                                        AuditEvent.kind == "task_completed")
        return s.scalars(stmt.where(AuditEvent.actor == actor) if actor else stmt).first()


def rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_an_auditor_reads_who_approved_the_budget_and_whether_they_prepared_it(app, db, approved):
    auditor = signed_in(app, "aud.auditor")
    index = auditor.get("/audit/rules").get_data(as_text=True)
    assert 'href="/audit/rules/four-eyes"' in index and "no breaches" in index
    page = auditor.get(f"/audit/rules/four-eyes?project={approved}").get_data(as_text=True)
    approval = completion(db, approved, "gate4_mobilisation_approval")
    preparation = completion(db, approved, "prepare_mobilisation")
    assert f'href="/projects/{approved}">#{approved} Automated MDT preparation</a>' in page
    assert f'href="/projects/{approved}/history"' in page
    assert "Gate 4 – Mobilisation approval" in page and "<dt>Budget committed (GBP)</dt>" in page
    assert "<dd>250,000</dd>" in page
    assert "by fran.finance" in page and "hana.hub" in page
    assert f'href="/projects/{approved}/history#event-{approval.seq}">event {approval.seq}</a>' in page
    assert f'#event-{preparation.seq}">event {preparation.seq}</a>' in page
    assert ">No</span></td>" in page and '<strong class="nhsuk-tag nhsuk-tag--green">Kept</strong>' in page
    assert ">Breach<" not in page


def test_a_rewritten_preparer_is_flagged_on_the_page_and_in_the_csv(app, db, approved):
    preparation = completion(db, approved, "prepare_mobilisation")

    def tamper(s):
        s.get(AuditEvent, preparation.id).actor = "fran.finance"
    db.writing(tamper)
    auditor = signed_in(app, "aud.auditor")
    page = auditor.get("/audit/rules/four-eyes?person=fran.finance").get_data(as_text=True)
    assert '<strong class="nhsuk-tag nhsuk-tag--red">Breach</strong>' in page and "(the same person)" in page
    assert ">Yes</span></td>" in page
    assert "1 breach" in auditor.get("/audit/rules").get_data(as_text=True)
    [row] = rows(auditor.get(f"/audit/rules/four-eyes.csv?project={approved}"))
    assert (row["Project"], row["Approved by"], row["Prepared by"]) == (str(approved), "fran.finance", "fran.finance")
    assert (row["Same person?"], row["Verdict"]) == ("yes", "BREACH")
    assert f"event {preparation.seq} at" in row["Preparation events"]
    assert "Budget committed (GBP): 250000" in row["Decision"]
    assert row["Project page"] == f"http://localhost/projects/{approved}"
    assert row["History page"] == f"http://localhost/projects/{approved}/history"


def test_a_declared_conflict_is_shown_with_the_scorer_their_organisation_and_the_event(app, db, approved):
    auditor = signed_in(app, "aud.auditor")
    page = auditor.get("/audit/rules/conflicts").get_data(as_text=True)
    scored = completion(db, approved, "score_eois", "bill.board")
    assert "bill.board" in page and seed.MEDTECH in page and "I work for this organisation." in page
    assert f'#event-{scored.seq}">event {scored.seq}</a>' in page and "6 scores checked" in page
    [row] = rows(auditor.get("/audit/rules/conflicts.csv?person=bill.board"))
    assert (row["Scored by"], row["Partner scored"], row["Score counted?"], row["Verdict"]) == (
        "bill.board", seed.MEDTECH, "no", "kept")
    assert rows(auditor.get("/audit/rules/conflicts.csv?person=bea.board")) == []


def test_actions_are_counted_by_role_and_person_and_listed_on_demand(app, db, approved):
    auditor = signed_in(app, "aud.auditor")
    page = auditor.get("/audit/rules/actions").get_data(as_text=True)
    assert "Finance approver" in page and "fran.finance" in page and "Project started" in page
    assert "finance_approver<" not in page and "task_completed<" not in page  # roles and actions in words
    assert "role=finance_approver&amp;person=fran.finance&amp;kind=task_completed" in page
    assert "The actions" not in page
    listed = auditor.get("/audit/rules/actions?person=fran.finance&kind=task_completed").get_data(as_text=True)
    approval = completion(db, approved, "gate4_mobilisation_approval")
    assert "The actions" in listed and f"event {approval.seq}</a>" in listed
    assert "Gate 4 – Mobilisation approval" in listed
    counts = rows(auditor.get("/audit/rules/actions.csv?role=board_member"))
    assert {(r["Person"], r["Action"], r["Count"]) for r in counts} == {
        (name, "task_completed", "1") for name in ("bea.board", "ben.board", "bill.board")}
    [action] = rows(auditor.get("/audit/rules/actions-list.csv?person=fran.finance"))
    assert (action["Event"], action["Role"], action["Task"]) == (
        str(approval.seq), "finance_approver", "Gate 4 – Mobilisation approval")


def test_a_title_that_looks_like_a_formula_is_not_run_by_a_spreadsheet(app, db, clock, at_gate4):
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, plan(title="=HYPERLINK(\"http://evil\")"), stop_at="report_pilot_outcomes")
    [row] = rows(signed_in(app, "aud.auditor").get(f"/audit/rules/four-eyes.csv?project={project}"))
    assert row["Title"].startswith("'=HYPERLINK")


@pytest.mark.parametrize("path", PAGES)
def test_only_auditors_see_the_rule_reports(app, at_gate4, path):
    assert signed_in(app, "hana.hub").get(path).status_code == 403
    assert signed_in(app, "fran.finance").get(path).status_code == 403
    assert signed_in(app, "ada.admin").get(path).status_code == 403  # reading the record is the auditors'
    assert signed_in(app, "aud.auditor").get(path).status_code == 200


def test_a_project_filter_that_is_not_a_number_is_refused(app, at_gate4):
    assert signed_in(app, "aud.auditor").get("/audit/rules/four-eyes?project=x").status_code == 400


def test_the_auditors_views_and_downloads_are_on_the_record(app, db, approved):
    auditor = signed_in(app, "aud.auditor")
    for path in (f"/audit/rules/four-eyes?project={approved}", "/audit/rules/conflicts.csv", "/audit/rules/actions"):
        assert auditor.get(path).status_code == 200
    with db.reading() as s:
        viewed = list(s.scalars(select(AuditEvent).where(AuditEvent.chain == SYSTEM_CHAIN,
                                                         AuditEvent.kind == "personal_data_viewed")
                                .order_by(AuditEvent.seq)))
    data = [json.loads(e.data_json) for e in viewed]
    assert [e.actor for e in viewed] == ["aud.auditor"] * 3
    assert [d["instance"] for d in data] == [approved, None, None]
    assert "four-eyes" in data[0]["view"] and "(CSV)" in data[1]["view"] and "actions" in data[2]["view"]


def test_a_report_that_cannot_be_computed_is_not_on_the_record(app, db, approved, monkeypatch):
    """The report and the record of its reading are one unit of work: a failed report records no view."""
    def broken(session, filters):
        raise RuntimeError("the record could not be read")
    monkeypatch.setattr(rule_reports, "check_four_eyes", broken)
    assert signed_in(app, "aud.auditor").get(f"/audit/rules/four-eyes?project={approved}").status_code == 500
    with db.reading() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.kind == "personal_data_viewed")).all() == []
