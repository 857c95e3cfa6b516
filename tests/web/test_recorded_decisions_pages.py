"""What the pages show of a decision: only the answers that apply to the branch chosen; a date that
must lie ahead, a budget over the pack's total and a missing governance exception are explained next
to their fields; Gate 4 shows the pack's facts the rules depend on."""
import html
import re

from tests.web import test_task_pages as pages
from tests.web.test_task_pages import post_task, signed_in, task_row

walker, at = pages.walker, pages.at  # the task pages' fixtures: demo people, a project walked to a task


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def history_row(page: str, title: str) -> str:
    """The project page's history row of the step called `title`."""
    rows = re.findall(r"<tr\b[^>]*>.*?</tr>", page, flags=re.S)
    return next(row for row in rows if title in row)


def test_gate5_confirmed_on_the_page_is_shown_as_confirmed_not_as_the_stray_stop(app, at, db):
    project, task_id = at("gate5_evidence_gate")
    client = signed_in(app, "eve.evidence")
    response = post_task(client, task_id, {"gate5_confirm": "true", "gate5_decision": "stop",
                                           "gate5_justification": "Typed, then I ticked confirm."})
    assert response.status_code == 302
    assert task_row(db, task_id).data_json == '{"gate5_confirm": true}'
    page = text(signed_in(app, "hana.hub").get(f"/projects/{project}"))
    row = history_row(page, "Gate 5 – Evidence Gate")
    assert "Stop" not in row and "Typed, then I ticked confirm." not in page
    assert "Prepare business case" in page  # the project went on, as confirmed


def test_a_review_date_in_the_past_is_explained_next_to_the_field(app, at, db):
    _, task_id = at("gate1_prioritisation")
    response = post_task(signed_in(app, "hana.hub"), task_id,
                         {"gate1_decision": "defer", "review_date": "2026-02-01"})
    page = text(response)
    assert response.status_code == 422
    assert '<a href="#f-review_date">The review date must be after today (3 March 2026 or after).</a>' in page
    assert task_row(db, task_id).state == "ready"


def test_gate4_shows_the_packs_facts_and_explains_the_budget_and_governance_rules(app, at, db):
    pack = {"nhs_contribution": 40000, "industry_contribution": 60000, "dsa_signed": False}
    _, task_id = at("gate4_mobilisation_approval", prepare_mobilisation=pack)
    client = signed_in(app, "fran.finance")
    page = text(client.get(f"/tasks/{task_id}"))
    facts = dict(re.findall(r'<p class="nhsuk-label nhsuk-label--s" id="f-(\w+)-label">[^<]*</p>.*?'
                            r'<p class="nhsuk-body app-readonly-value" '
                            r'id="f-\1"[^>]*>([^<]*)</p>', page, flags=re.S))
    assert facts == {"pathway": "Proof of value (pilot first)", "total_budget": "£100,000", "dpia_in_place": "Yes",
                     "dsa_signed": "No", "joint_working_agreement": "Yes"}
    response = post_task(client, task_id, {"gate4_decision": "approve", "budget_committed": "120000"})
    page = text(response)
    assert response.status_code == 422
    assert ("Budget committed (GBP) cannot be more than the total budget of the pack (GBP) (100,000)."
            in page)
    assert ("A live pilot needs the DPIA, the data-sharing agreement and the joint working agreement in place: "
            "record why you approve without them.") in page
    response = post_task(client, task_id, {"gate4_decision": "approve", "budget_committed": "100000",
                                           "governance_exception_reason": "DSA signature due next week."})
    assert response.status_code == 302 and task_row(db, task_id).state == "completed"
