"""The auditors' export page: download the audit trail as XES, CSV or JSON; each download is on the record."""
import html
import json

from lxml import etree

from engine.history import audit_export
from engine.store import trail
from tests.web.conftest import signed_in


def system_events(db):
    with db.reading() as s:
        return [(e.kind, e.actor, json.loads(e.data_json)) for e in trail.list_events(s, trail.SYSTEM_CHAIN)]


def test_the_page_offers_each_format_for_every_project_or_one(app, at_gate4):
    page = signed_in(app, "aud.auditor").get("/audit/export")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    for fmt, label in (("xes", "XES"), ("csv", "CSV"), ("json", "JSON")):
        assert f'formaction="/audit/export/{fmt}"' in text and f"Download {label}" in text
    assert f'<option value="{at_gate4}">Project {at_gate4}: Automated MDT preparation</option>' in text


def test_an_auditors_download_is_a_dated_file_and_goes_on_the_record(app, db, at_gate4):
    auditor = signed_in(app, "aud.auditor")
    before = len(system_events(db))
    response = auditor.get("/audit/export/xes")
    assert response.status_code == 200 and response.content_type == "application/xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="six-gates-history-2026-03-02.xes"'
    log = etree.fromstring(response.data)
    assert [t.find("string[@key='concept:name']").get("value") for t in log.findall("trace")] == [
        f"project-{at_gate4}"]
    assert system_events(db)[before:] == [
        ("personal_data_viewed", "aud.auditor", {"view": "export (xes)", "instance": None})]


def test_one_projects_csv_and_json(app, db, at_gate4):
    auditor = signed_in(app, "aud.auditor")
    csv_file = auditor.get(f"/audit/export/csv?instance={at_gate4}")
    assert csv_file.status_code == 200 and csv_file.content_type == "text/csv; charset=utf-8"
    assert f'filename="six-gates-project-{at_gate4}-history-2026-03-02.csv"' in csv_file.headers["Content-Disposition"]
    assert csv_file.get_data(as_text=True).startswith("instance_id,seq,at,actor,kind,task,task_id,data,")
    events = auditor.get(f"/audit/export/json?instance={at_gate4}&lifecycle=all").json
    assert events[0]["kind"] == "instance_started" and {e["instance_id"] for e in events} == {at_gate4}
    assert system_events(db)[-1] == (
        "personal_data_viewed", "aud.auditor", {"view": "export (json)", "instance": at_gate4})


def test_the_full_lifecycle_xes_has_scheduled_tasks(app, at_gate4):
    xes = signed_in(app, "aud.auditor").get("/audit/export/xes?instance=&lifecycle=all").get_data(as_text=True)
    assert 'key="lifecycle:transition" value="schedule"' in xes


def test_others_may_not_export_and_nothing_is_recorded(app, db, at_gate4):
    before = system_events(db)
    for username in ("sam.sponsor", "hana.hub"):
        client = signed_in(app, username)
        assert client.get("/audit/export").status_code == 403
        refused = client.get("/audit/export/xes")
        assert refused.status_code == 403 and "Only auditors may export" in refused.get_data(as_text=True)
    assert [e for e in system_events(db) if e[0] == "personal_data_viewed"] == [
        e for e in before if e[0] == "personal_data_viewed"]
    assert app.test_client().get("/audit/export/csv").status_code == 302  # to the sign-in page


def test_unknown_formats_projects_and_lifecycles_are_refused(app, at_gate4):
    auditor = signed_in(app, "aud.auditor")
    assert auditor.get("/audit/export/pdf").status_code == 404
    assert auditor.get("/audit/export/xes?instance=9999").status_code == 404
    assert auditor.get("/audit/export/xes?instance=first").status_code == 400
    assert auditor.get("/audit/export/xes?lifecycle=sometimes").status_code == 400


def test_an_export_that_breaks_half_way_is_not_on_the_record(app, db, at_gate4, monkeypatch):
    """The download and its record are one unit of work: no record of a file the auditor never received."""
    def disk_full(rows):
        raise OSError("No space left on device")
    monkeypatch.setattr(audit_export, "_csv", disk_full)
    auditor = signed_in(app, "aud.auditor")
    before = system_events(db)
    assert auditor.get(f"/audit/export/csv?instance={at_gate4}").status_code == 500
    assert system_events(db) == before
