"""The register of projects: run-in-Six-Gates and hand-recorded projects side by side, filters, CSV, recording."""
import csv
import io

from engine.store.trail import SYSTEM_CHAIN, list_events
from tests.web.conftest import signed_in
from tests.web.test_login_inbox import csrf_token

PAST = {"title": "AI triage of lung referrals", "partners": "Lungscan Ltd", "trusts_or_icb": "Nottingham ICB",
        "tumour_group": "Lung", "challenge_area": "Pathway Delays", "pathway_category": "Follow-up",
        "alliance": "East Midlands", "status": "completed", "start_date": "2023-01-09", "end_date": "2024-02-01",
        "outcomes_and_findings": "Triage took two days less.", "contact": "lead@example.nhs.uk"}




def as_boxes(fields: dict) -> dict:
    """The form asks each date as day, month and year boxes: an ISO date typed into them."""
    typed = dict(fields)
    for name in ("start_date", "end_date"):
        year, month, day = typed.pop(name).split("-")
        typed.update({f"{name}-day": day.lstrip("0"), f"{name}-month": month.lstrip("0"), f"{name}-year": year})
    return typed


def record(client, **changes):
    token = csrf_token(client.get("/register/past/new").data)
    return client.post("/register/past/new", data={**as_boxes({**PAST, **changes}), "csrf_token": token})


def test_the_register_lists_system_and_hand_recorded_projects_distinctly(app, db, at_gate4):
    hub = signed_in(app, "hana.hub")
    assert record(hub).status_code == 302
    page = hub.get("/register").get_data(as_text=True)
    assert f'href="/projects/{at_gate4}">Automated MDT preparation</a>' in page
    assert "AI triage of lung referrals" in page
    assert "Run in Six Gates" in page and "Recorded by hand" in page
    with db.reading() as s:
        assert [e.kind for e in list_events(s, SYSTEM_CHAIN)][-1] == "past_project_recorded"


def test_filters_and_search_narrow_the_register(app, at_gate4):
    hub = signed_in(app, "hana.hub")
    record(hub)
    by_hand = hub.get("/register?source=hand").get_data(as_text=True)
    assert "AI triage" in by_hand and "Automated MDT preparation" not in by_hand
    by_area = hub.get("/register?challenge_area=Multidisciplinary+Team+Efficiency").get_data(as_text=True)
    assert "Automated MDT preparation" in by_area and "AI triage" not in by_area
    assert "AI triage" not in hub.get("/register?status=active").get_data(as_text=True)
    assert "AI triage" in hub.get("/register?alliance=East+Midlands").get_data(as_text=True)
    found = hub.get("/register?q=nottingham").get_data(as_text=True)
    assert "AI triage" in found and "Automated MDT preparation" not in found


def test_the_csv_download_has_a_header_and_the_filtered_rows(app, at_gate4):
    hub = signed_in(app, "hana.hub")
    record(hub)
    response = hub.get("/register.csv?source=hand")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"))))
    assert rows[0][:3] == ["Source", "Title", "Status"]
    assert [r[:3] for r in rows[1:]] == [["Recorded by hand", "AI triage of lung referrals", "completed"]]
    everything = list(csv.reader(io.StringIO(hub.get("/register.csv").data.decode("utf-8"))))
    assert ["Run in Six Gates", "Automated MDT preparation", "active"] in [r[:3] for r in everything]


def test_recording_a_past_project_needs_the_hub_team(app, at_gate4):
    board = signed_in(app, "bea.board")
    register_page = board.get("/register")
    assert register_page.status_code == 200 and b"Record a past project" not in register_page.data
    assert board.get("/register/past/new").status_code == 403
    refused = board.post("/register/past/new", data={**as_boxes(PAST), "csrf_token": csrf_token(register_page.data)})
    assert refused.status_code == 403
    assert "AI triage" not in board.get("/register").get_data(as_text=True)


def test_a_validation_error_keeps_the_typed_values(app, at_gate4):
    hub = signed_in(app, "hana.hub")
    response = record(hub, title="", end_date="2022-01-01", contact="kept@example.nhs.uk")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is a problem" in page
    assert "Enter the project title." in page and "The end date must be on or after the start date." in page
    assert 'value="kept@example.nhs.uk"' in page and 'value="Lungscan Ltd"' in page
    assert '<option value="Pathway Delays" selected>' in page
    assert "AI triage" not in hub.get("/register").get_data(as_text=True)


def test_an_industry_partner_may_not_see_the_register(app, at_gate4):
    partner = signed_in(app, "ivy.medtech")
    assert partner.get("/register").status_code == 403
    assert partner.get("/register.csv").status_code == 403


def test_a_past_projects_dates_are_typed_in_boxes_and_shown_in_words(app, at_gate4):
    hub = signed_in(app, "hana.hub")
    wrong = record(hub, start_date="2023-02-31")
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Start date must be a real date, such as 31 3 2025." in page
    assert 'href="#start_date-day"' in page  # the error summary leads to the day box
    assert 'id="start_date-day" name="start_date-day" type="text" inputmode="numeric" value="31"' in page
    assert "AI triage" not in hub.get("/register").get_data(as_text=True)
    assert record(hub).status_code == 302
    shown = hub.get("/register?source=hand").get_data(as_text=True)
    assert ">9 January 2023</time>" in shown and ">1 February 2024</time>" in shown and ">2023-01-09<" not in shown
    assert ">Completed</strong>" in shown  # the status in words, as a tag
