"""The auditors' start page and the verification page."""
import html
import re

from sqlalchemy import update

from engine.store.models import AuditEvent
from tests.web.conftest import signed_in


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_the_start_page_lists_every_project_with_its_history(app, at_gate4):
    page = text_of(signed_in(app, "aud.auditor").get("/audit"))
    assert "Automated MDT preparation" in page and f'href="/projects/{at_gate4}/history"' in page
    assert "In progress" in page and "running" not in page
    assert "Verify the record" in page and "Rule reports" in page and "Export the log" in page


def test_verification_reports_an_intact_record_then_the_tampered_event(app, db, at_gate4):
    auditor = signed_in(app, "aud.auditor")
    intact = text_of(auditor.get("/audit/verify?run=1"))
    assert "The record is intact</h2>" in intact and "1 project re-run and 2 hash chains checked" in intact
    with db.engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.instance_id == at_gate4, AuditEvent.seq == 5)
                     .values(actor="mallory"))
    page = text_of(auditor.get("/audit/verify?run=1"))
    assert "The record has 1 problem" in page and "nhsuk-warning-callout" in page
    cells = re.findall(r'<span class="app-table__value">(.*?)</span></td>', page)
    assert cells[:4] == [f'<a href="/projects/{at_gate4}/history">Project {at_gate4}</a>', "5", "Hash chain",
                         cells[3]] and cells[3].startswith("content was altered")


def test_batches_give_the_progress_bar_its_figures(app, at_gate4):
    batch = signed_in(app, "aud.auditor").get("/audit/verify/batch?offset=0").json
    assert batch["ok"] is True and batch["instances_total"] == 1 and batch["instances_checked"] == 1
    assert signed_in(app, "aud.auditor").get("/audit/verify/batch?offset=x").status_code == 400


def test_other_people_are_refused(app, at_gate4):
    hub = signed_in(app, "hana.hub")
    assert hub.get("/audit").status_code == 403
    assert hub.get("/audit/verify?run=1").status_code == 403
    assert hub.get("/audit/verify/batch").status_code == 403
