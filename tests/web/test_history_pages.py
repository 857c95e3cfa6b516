"""The history page: every event of a project in order, filtered, with its data and what it changed,
and the frames the replay steps through; auditors' views are on the record."""
import html
import json
import re
import sqlite3
import threading

from sqlalchemy import select

from demo import seed
from engine.store import trail
from engine.store.models import AuditEvent
from tests.conftest import add_user
from tests.web.conftest import signed_in


def replay_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="replay-data">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def rows(page: str) -> list[str]:
    """The table of events' rows, without the column headings each cell repeats for narrow screens."""
    table = page.split('id="history-events"')[1].split("</section>")[0]
    table = re.sub(r'<span class="nhsuk-table__heading" aria-hidden="true">[^<]*</span>', "", table)
    return ["<tr " + row for row in table.split('<tr id="')[1:]]


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def views_recorded(db, project) -> list[dict]:
    with db.reading() as s:
        events = trail.list_events(s, trail.SYSTEM_CHAIN)
    return [{"actor": e.actor, **json.loads(e.data_json)} for e in events if e.kind == "personal_data_viewed"
            and json.loads(e.data_json).get("instance") == project]


def test_an_auditor_sees_every_event_in_order_with_the_diagram_frames(app, db, at_gate4):
    response = signed_in(app, "aud.auditor").get(f"/projects/{at_gate4}/history")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    data = replay_data(page)
    with db.reading() as s:
        last = max(s.scalars(select(AuditEvent.seq).where(AuditEvent.instance_id == at_gate4)))
    assert [f["seq"] for f in data["frames"]] == list(range(1, last + 1)) and data["last_seq"] == last
    assert list(data["diagrams"]) == [data["frames"][0]["version"]]
    assert data["frames"][-1]["active"] == ["gate4_mobilisation_approval"]
    found = [text_of(r) for r in rows(page)]
    assert found[0].startswith("S") and "Version 1 of the procedure deployed" in found[0]
    assert found[1].startswith("1 ") and "Project started on version 1" in found[1] and "Sponsor" in found[1]
    gate1 = next(r for r in found if "Gate 1 – Prioritisation completed" in r)
    assert "at 9am hana.hub Hub team Completed" in gate1 and "Data submitted" in gate1
    assert "What changed in the project's data" in gate1 and "Decision Added None Approve" in gate1
    assert "gate1_decision" not in gate1  # the form's words, never the field's key
    assert "Procedure versions it ran on" in page and 'role="alert"' not in page


def test_the_filters_keep_the_chosen_kind_and_person(app, at_gate4):
    page = signed_in(app, "aud.auditor").get(
        f"/projects/{at_gate4}/history?kind=task_completed&actor=hana.hub").get_data(as_text=True)
    found = [text_of(r) for r in rows(page)]
    assert found and all("Completed" in r and "hana.hub" in r for r in found)
    assert '<option value="task_completed" selected>Completed</option>' in page
    assert '<option value="hana.hub" selected>hana.hub</option>' in page
    assert f"Showing {len(found)} of " in page and "Show every event" in page
    assert len(replay_data(page)["frames"]) > len(found)  # the replay still steps through everything
    assert signed_in(app, "aud.auditor").get(f"/projects/{at_gate4}/history?kind=erased").status_code == 400


def test_an_auditors_view_is_on_the_record_and_others_are_not(app, db, at_gate4):
    assert signed_in(app, "hana.hub").get(f"/projects/{at_gate4}/history").status_code == 200
    assert views_recorded(db, at_gate4) == []
    signed_in(app, "aud.auditor").get(f"/projects/{at_gate4}/history")
    assert views_recorded(db, at_gate4) == [{"actor": "aud.auditor", "view": "history", "instance": at_gate4}]
    again = signed_in(app, "aud.auditor").get(f"/projects/{at_gate4}/history").get_data(as_text=True)
    assert "The project&#39;s history viewed" in again or "The project's history viewed" in again


def test_a_partner_sees_only_their_own_side_and_an_outsider_nothing(app, db, clock, at_gate4):
    page = signed_in(app, "ivy.medtech").get(f"/projects/{at_gate4}/history").get_data(as_text=True)
    assert "ian.datahealth" not in page
    # A partner follows the stages on the project page: no diagram, no replay, no fingerprint here.
    assert 'id="replay-data"' not in page and "bpmn-navigated-viewer" not in page and "Fingerprint" not in page
    shown = "".join(rows(page))
    assert "board_scores" not in shown and "aggregated_scores" not in shown
    assert seed.DATAHEALTH not in shown
    add_user(db, clock, "olu.other", "industry_partner", org="Other Diagnostics Ltd", password="page-test-pass")
    assert signed_in(app, "olu.other").get(f"/projects/{at_gate4}/history").status_code == 404


def test_a_tampered_record_is_shown_up_to_there_with_a_warning(app, db, at_gate4):
    def tamper(s):
        event = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == at_gate4,
                                                   AuditEvent.kind == "task_completed",
                                                   AuditEvent.task_name == "gate1_prioritisation")).one()
        event.data_json = event.data_json.replace('"approve"', '"reject"')
        return event.seq
    altered = db.writing(tamper)
    page = signed_in(app, "aud.auditor").get(f"/projects/{at_gate4}/history").get_data(as_text=True)
    warning = text_of(page.split('role="alert"')[1].split("</div>")[0])
    assert f"Event {altered}: content was altered after it was recorded." in warning
    assert f"Event {altered}: re-running the project from its start does not reproduce the record" in warning
    assert "differs from the task's own record" in warning and "later events are not shown" in warning
    assert text_of(rows(page)[-1]).startswith(f"{altered} ")
    assert replay_data(page)["frames"][-1]["seq"] == altered - 1


def test_the_history_needs_sign_in(app, at_gate4):
    assert app.test_client().get(f"/projects/{at_gate4}/history").status_code == 302


def test_reading_a_history_waits_for_no_writer_and_an_auditors_record_waits_its_turn(app, db, at_gate4):
    """On SQLite the database lock is taken only when the view is put on the record: the Hub team reads a
    history while another change holds the lock; an auditor's view is recorded once the lock is free."""
    if not db.is_sqlite:
        return
    hub, auditor = signed_in(app, "hana.hub"), signed_in(app, "aud.auditor")
    answers: dict[str, int] = {}

    def read(name, client):
        answers[name] = client.get(f"/projects/{at_gate4}/history").status_code

    writer = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another change holds the write lock
    try:
        hub_reads = threading.Thread(target=read, args=("hub", hub))
        hub_reads.start()
        hub_reads.join(timeout=10)
        assert answers.get("hub") == 200
        auditor_reads = threading.Thread(target=read, args=("auditor", auditor))
        auditor_reads.start()
        auditor_reads.join(timeout=0.5)
        assert "auditor" not in answers  # recording waits for the lock
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    auditor_reads.join(timeout=30)
    assert answers["auditor"] == 200 and [v["actor"] for v in views_recorded(db, at_gate4)] == ["aud.auditor"]


def test_people_and_the_command_line_are_named_and_times_said_as_people_say_them(app, db, at_gate4):
    from engine.store.models import ProcessVersion, User
    db.writing(lambda s: setattr(s.query(ProcessVersion).one(), "deployed_by", "cli"))
    db.writing(lambda s: setattr(s.query(User).filter_by(username="hana.hub").one(), "display_name",
                                 "Hana Okafor (Hub team)"))
    page = signed_in(app, "aud.auditor").get(f"/projects/{at_gate4}/history").get_data(as_text=True)
    versions = text_of(page.split('id="history-versions"')[1].split("</table>")[0])
    assert "by the command line (Hub team)" in versions and "by cli" not in versions
    found = [text_of(r) for r in rows(page)]
    gate1 = next(r for r in found if "Gate 1 – Prioritisation completed" in r)
    assert "Hana Okafor (Hub team)" in gate1 and "hana.hub" not in gate1
    assert re.search(r"<option value=\"hana.hub\"\s*>Hana Okafor \(Hub team\)</option>", page)  # a name, not a username
    frames = replay_data(page)["frames"]
    frame = next(f for f in frames if f["event"]["headline"] == "Gate 1 – Prioritisation completed")
    assert frame["event"]["by"] == "by Hana Okafor (Hub team)" and " at 9am" in frame["event"]["when"]
    assert replay_data(page)["names"][frame["version"]]["gate1_prioritisation"] == "Gate 1 – Prioritisation"
