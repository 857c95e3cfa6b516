"""The project page: where a project stands on its diagram, who holds its open task, its gate history."""
import html
import json
import re
from datetime import timedelta

import pytest

from demo import seed
from engine import spiff
from engine.errors import NotFound
from engine.sixgates.project_page import project_view
from engine.store.models import User
from tests.conftest import add_user
from tests.web.conftest import PASSWORD, signed_in


def diagram_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="diagram-data">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_the_page_shows_the_open_task_with_its_role_and_due_date(app, clock, at_gate4):
    page = signed_in(app, "hana.hub").get(f"/projects/{at_gate4}")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "<h1>Automated MDT preparation</h1>" in text
    open_tasks = text.split("Who holds each open task")[1].split("</table>")[0]
    assert "Gate 4 – Mobilisation approval" in open_tasks and "Finance approver" in open_tasks
    assert "Anyone with the role" in open_tasks and "12 March 2026 at 9am" in open_tasks
    assert "Overdue" not in open_tasks
    clock.advance(days=60)
    later = signed_in(app, "hana.hub").get(f"/projects/{at_gate4}").get_data(as_text=True)
    assert "Overdue" in later.split("Who holds each open task")[1].split("</table>")[0]


def test_the_history_lists_the_gate_decisions_in_order(app, at_gate4):
    text = html.unescape(signed_in(app, "hana.hub").get(f"/projects/{at_gate4}").get_data(as_text=True))
    history = text.split("Gate and stage history")[1].split("</table>")[0]
    rows = re.findall(r'<tr class="nhsuk-table__row" role="row">(.*?)</tr>', history, re.S)
    decision = re.compile(r'Decision </span><span class="app-table__value">(.*?)</span>', re.S)
    gates = [(re.search(r"Gate \d[^<]*", row).group(0), decision.search(row).group(1).strip())
             for row in rows if re.search(r"Gate \d", row)]
    # Each decision in the words of its form's choices ("Select partners"), never the stored code ("select").
    assert [g for g, _ in gates] == ["Gate 1 – Prioritisation", "Gate 2 – Partner selection",
                                     "Gate 3 – Specification sign-off (Hub team)",
                                     "Gate 3 – Specification sign-off (clinical lead)"]
    assert [d.split()[0] for _, d in gates] == ["Approve", "Select", "Approve", "Approve"]
    assert "select" not in [d for _, d in gates]


def test_the_diagram_data_marks_finished_and_current_elements(app, at_gate4):
    client = signed_in(app, "hana.hub")
    page = client.get(f"/projects/{at_gate4}").get_data(as_text=True)
    data = diagram_data(page)
    assert "<bpmn" not in page  # the diagram is fetched after the page is shown, from a URL the browser keeps
    xml = client.get(data["url"])
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    text = xml.get_data(as_text=True)
    assert text.startswith("<?xml") and "gate4_mobilisation_approval" in text
    assert "immutable" in xml.headers["Cache-Control"] and xml.headers["ETag"]
    again = client.get(data["url"], headers={"If-None-Match": xml.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    assert {"propose_challenge", "gate1_prioritisation", "gate1_outcome", "gate2_partner_selection",
            "prepare_mobilisation"} <= set(data["completed"])
    assert data["active"] == ["gate4_mobilisation_approval"]
    label = next(label for label in re.findall(r'role="img"\s+aria-label="([^"]*)"', page) if label != "NHS")
    assert "Finished: Propose challenge" in html.unescape(label)
    assert html.unescape(label).endswith("current: Gate 4 – Mobilisation approval.")
    assert "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in page


def test_a_partner_whose_organisation_takes_no_part_gets_not_found(app, db, clock, at_gate4):
    add_user(db, clock, "olga.onco", "industry_partner", org="OncoSoft Ltd", password=PASSWORD)
    assert signed_in(app, "olga.onco").get(f"/projects/{at_gate4}").status_code == 404
    assert signed_in(app, "hana.hub").get(f"/projects/{at_gate4 + 99}").status_code == 404


def test_an_invited_partner_sees_the_project_but_not_a_competitors_eoi(app, at_gate4):
    page = html.unescape(signed_in(app, "ian.datahealth").get(f"/projects/{at_gate4}").get_data(as_text=True))
    history = page.split("Gate and stage history")[1].split("</table>")[0]
    assert "ian.datahealth" in history and "ivy.medtech" not in history
    assert "Gate 1 – Prioritisation" in history


def test_the_page_needs_sign_in_and_the_task_page_links_to_it(app, at_gate4, db):
    assert app.test_client().get(f"/projects/{at_gate4}").status_code == 302
    client = signed_in(app, "fran.finance")
    inbox = client.get("/inbox").get_data(as_text=True)
    task_url = re.search(r'href="(/tasks/[^"]+)"', inbox).group(1)
    assert f'href="/projects/{at_gate4}"' in client.get(task_url).get_data(as_text=True)


def test_project_view_reads_tables_only_and_hides_what_the_viewer_may_not_see(db, clock, at_gate4, monkeypatch):
    def no_workflow(*args):
        raise AssertionError("the project page must not deserialise the workflow")
    monkeypatch.setattr(spiff, "load_state", no_workflow)
    with db.reading() as session:
        hub = session.query(User).filter_by(username="hana.hub").one()
        view = project_view(session, user=hub, instance_id=at_gate4, now=clock.now())
        assert view["status"] == "running" and view["stage"] == "mobilisation"
        assert view["stage_name"] == "Mobilisation (Gate 4)"
        assert view["version"]["key"] == "six_gates" and view["version"]["version"] == 1
        assert len(view["version"]["hash"]) == 64 and view["started_by"] == "sam.sponsor"
        assert view["active"] == ["gate4_mobilisation_approval"]
        assert "gate1_prioritisation" in view["completed"] and "gate1_outcome" in view["completed"]
        [task] = view["open_tasks"]
        assert (task["role"], task["holder"], task["overdue"]) == ("finance_approver", None, False)
        assert task["due_at"] > clock.now()
        decisions = [(h["bpmn_id"], h["decisions"]) for h in view["history"] if h["decisions"]]
        assert [d[0] for d in decisions][:2] == ["gate1_prioritisation", "gate2_partner_selection"]
        assert decisions[0][1] == {"gate1_decision": "approve"}
        assert [h["seq"] for h in view["history"]] == sorted(h["seq"] for h in view["history"])
        assert "board_scores" in view["data"]
        later = project_view(session, user=hub, instance_id=at_gate4, now=clock.now() + timedelta(days=90))
        assert later["open_tasks"][0]["overdue"]
        ian = session.query(User).filter_by(username="ian.datahealth").one()
        partner = project_view(session, user=ian, instance_id=at_gate4, now=clock.now())
        assert "board_scores" not in partner["data"]
        assert all(e.get("partner") == seed.DATAHEALTH for e in partner["data"].get("eois", []))
        assert "ivy.medtech" not in {h["actor"] for h in partner["history"]}
    add_user(db, clock, "olga.onco", "industry_partner", org="OncoSoft Ltd")
    with db.reading() as session:
        olga = session.query(User).filter_by(username="olga.onco").one()
        with pytest.raises(NotFound):
            project_view(session, user=olga, instance_id=at_gate4, now=clock.now())


def test_who_sees_the_process_diagram_is_an_allow_list(db, at_gate4):
    """Inside the Hub, the BPMN diagram; sponsors and partners (policy.EXTERNAL_ROLES), the stages in order."""
    from engine import policy
    with db.reading() as session:
        seeing = sorted(u.username for u in session.query(User) if policy.may_see_process_diagram(u))
    assert seeing == sorted(["hana.hub", "hugo.hub", "bea.board", "ben.board", "bill.board", "cara.chair",
                             "cleo.clinical", "fran.finance", "eve.evidence", "dan.dmbc", "pat.procurement",
                             "otto.owner", "aud.auditor", "ada.admin"])


def test_sponsors_and_partners_see_the_stages_in_order_instead_of_the_diagram(app, at_gate4):
    for username in ("sam.sponsor", "ivy.medtech"):  # Medtech is the partner selected at Gate 2
        client = signed_in(app, username)
        page = client.get(f"/projects/{at_gate4}").get_data(as_text=True)
        assert 'id="diagram-data"' not in page and "bpmn-navigated-viewer" not in page and "Fingerprint" not in page
        stages = page.split('class="nhsuk-task-list app-stage-timeline"')[1].split("</ol>")[0]
        names = [text_of(n) for n in re.findall(r'class="app-stage-timeline__name"[^>]*>(.*?)</span>', stages)]
        states = [text_of(t) for t in re.findall(r'<strong class="nhsuk-tag[^"]*">(.*?)</strong>', stages)]
        assert names[0] == "Challenge proposed" and "Mobilisation (Gate 4)" in names
        at = names.index("Mobilisation (Gate 4)")
        assert states[:at] == ["Done"] * at and states[at] == "Current" and set(states[at + 1:]) == {"To come"}
        assert 'aria-current="step"' in stages
        assert client.get("/processes/1/diagram.bpmn").status_code == 403


def test_the_steps_are_said_in_words_beside_the_diagram(app, at_gate4):
    page = signed_in(app, "hana.hub").get(f"/projects/{at_gate4}").get_data(as_text=True)
    steps = text_of(page.split('id="project-steps"')[1].split('id="diagram"')[0])
    assert "Now Gate 4 – Mobilisation approval Current" in steps
    assert "Next, depending on what is decided" in steps and "Report pilot outcomes" in steps
    assert "Steps already done" in steps and "Gate 1 – Prioritisation" in steps


def test_the_project_information_names_people_and_says_money_and_dates_in_words(app, db, at_gate4):
    db.writing(lambda s: setattr(s.query(User).filter_by(username="bea.board").one(), "display_name",
                                 "Bea Williams (Project Board)"))
    page = html.unescape(signed_in(app, "hana.hub").get(f"/projects/{at_gate4}").get_data(as_text=True))
    answers = page.split('id="data-title"')[1]
    assert "Bea Williams (Project Board)" in answers and "bea.board" not in answers
    assert "£" in answers and not re.search(r"\b\d{4}-\d{2}-\d{2}\b", answers)
    assert "gate1_decision" not in answers and "proof_of_value" not in answers and "strategic_fit" not in answers
    assert "Eois" not in answers and "Expressions of interest" in answers


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()
