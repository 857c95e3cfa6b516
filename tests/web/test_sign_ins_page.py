"""The sign-ins page and CSV for auditors: what the identity services recorded, in words, filtered by person, kind
and date (a bookmarkable GET), paged, downloadable whole and safe in a spreadsheet; refused to everyone else."""
import csv
import io
import json
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.identity import accounts, password_sign_in, single_sign_on, tokens
from engine.store.models import AuditEvent
from engine.store.trail import SYSTEM_CHAIN, record_event
from tests.web.conftest import PASSWORD, signed_in
from tests.web.test_login_inbox import csrf_token, login

NHS = single_sign_on.Provider(name="nhs", label="Sign in with your NHS account", issuer="https://idp.example.org",
                              client_id="sixgates")
PEOPLE = [("aud.auditor", "Aud Fischer", ["auditor"], None), ("ada.admin", "Ada Lovell", ["admin"], None),
          ("sam.sponsor", "Sam Patel", ["sponsor"], None), ("hana.hub", "Hana Okafor", ["hub_team"], None),
          ("bea.board", "Bea Williams", ["board_member"], None),
          ("ivy.medtech", "Ivy Chen", ["industry_partner"], "MedTech Innovations Ltd")]


@pytest.fixture
def people(db, clock):
    for username, name, roles, org in PEOPLE:
        db.writing(lambda s, u=username, n=name, r=roles, o=org: accounts.add_user(
            s, username=u, display_name=n, roles=r, organisation=o, password=PASSWORD, actor="test", clock=clock))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def events(db, kind) -> list[AuditEvent]:
    with db.reading() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.kind == kind)))


def record(db, clock, kind, actor, **data):
    db.writing(lambda s: record_event(s, instance=None, at=clock.now(), actor=actor, kind=kind, data=data))


def test_an_auditor_reads_sign_ins_failures_lock_outs_sign_outs_tokens_and_mappings_in_words(app, db, clock, people):
    sam = app.test_client()
    assert login(sam, "sam.sponsor", "wrong").status_code == 401
    assert login(sam, "sam.sponsor", PASSWORD).status_code == 302
    sam.post("/logout", data={"csrf_token": csrf_token(sam.get("/account").data)})
    for _ in range(password_sign_in.MAX_FAILURES):
        login(app.test_client(), "bea.board", "wrong")
    assert login(app.test_client(), "bea.board", PASSWORD).status_code == 429
    record(db, clock, "second_factor_failed", "anonymous", username="ivy.medtech", address="127.0.0.1")
    db.writing(lambda s: tokens.create_token(s, username="sam.sponsor", actor="ada.admin", clock=clock))
    db.writing(lambda s: single_sign_on.add_mapping(s, provider=NHS, group="cancer-leads", role="clinical_lead",
                                                    actor=accounts.require_user(s, "ada.admin"), clock=clock))
    page = text(signed_in(app, "aud.auditor").get("/audit/sign-ins"))
    for words in ("Signed in", "Sign-in refused", "Sign-in locked for a while after repeated failures",
                  "Second-factor code refused", "Signed out", "API token created", "Group-to-role mapping changed"):
        assert f'<span class="app-table__value">{words}</span>' in page, words
    assert 'Sam Patel <code class="app-username">sam.sponsor</code>' in page
    assert 'Token “API token”; expires 31 May 2026; by Ada Lovell <code class="app-username">ada.admin</code>' in page
    assert "Added: members of the group “cancer-leads” at nhs hold the Clinical lead role" in page
    assert "Locked until 2 March 2026 at 9:15am" in page
    assert "<code class=\"app-username app-sign-in-address\">127.0.0.1</code>" in page
    failures = password_sign_in.MAX_FAILURES + 2  # sam's wrong password, bea's and ivy's second factor
    signed_ins = len(events(db, "login_succeeded"))  # sam, and the auditor reading the page
    assert f'number">{signed_ins}</span> sign-ins' in page and f'number">{failures}</span> failures' in page
    assert 'number">1</span> lock-out<' in page
    assert 'id="chart-sign-ins" role="img"' in page and "Sign-ins and failures per day, as a table" in page


def test_filters_are_a_bookmarkable_get_and_the_csv_link_keeps_them(app, db, clock, people):
    login(app.test_client(), "sam.sponsor", "wrong")
    clock.advance(days=2)
    login(app.test_client(), "hana.hub", "wrong")
    auditor = signed_in(app, "aud.auditor")
    by_person = text(auditor.get("/audit/sign-ins?person=sam.sponsor"))
    assert "1 event." in by_person and "hana.hub" not in by_person and 'value="sam.sponsor"' in by_person
    on_day = "from-day=4&from-month=3&from-year=2026&to-day=4&to-month=3&to-year=2026"
    dated = text(auditor.get(f"/audit/sign-ins?group=failures&{on_day}"))
    assert "1 event." in dated and "hana.hub" in dated and "sam.sponsor" not in dated
    assert '<option value="failures" selected>Failures and lock-outs</option>' in dated
    link = re.search(r'href="(/audit/sign-ins\.csv\?[^"]+)"', dated).group(1).replace("&amp;", "&")
    assert "group=failures" in link and "from-day=4" in link and "to-year=2026" in link
    [row] = csv_rows(auditor.get(link))
    assert (row["Username"], row["What"], row["How"]) == ("hana.hub", "Sign-in refused", "Password")
    tokens_only = text(auditor.get("/audit/sign-ins?group=tokens"))
    assert "No event matches these filters." in tokens_only


@pytest.mark.parametrize(("query", "message"), [
    ("from-day=31&from-month=2&from-year=2026", "The start date must be a real date"),
    ("to-day=1&to-year=2026", "The end date must include a month"),
    ("from-day=2&from-month=3&from-year=2026&to-day=1&to-month=3&to-year=2026",
     "The end date must be the same as or after the start date"),
    ("group=everything", "Choose a kind of event from the list"),
    ("page=0", "The page is a whole number, 1 or more."),
    ("page=7", "There is only 1 page of sign-ins for these filters."),
])
def test_a_filter_that_is_not_one_is_refused_on_the_page(app, people, query, message):
    response = signed_in(app, "aud.auditor").get(f"/audit/sign-ins?{query}")
    page = text(response)
    assert response.status_code == 400 and "There is a problem" in page and message in page
    assert "<title>Error: Sign-ins" in page and 'class="nhsuk-table__row"' not in page


def test_pages_of_fifty_newest_first_and_the_csv_has_every_row(app, db, clock, people):
    def many(s):
        for n in range(55):
            password_sign_in.record_login(s, username=f"guess{n:02d}", address="10.9.9.9", succeeded=False,
                                          clock=clock)
        password_sign_in.record_login(s, username="=cmd|' /C calc'!A0", address="+44", succeeded=False, clock=clock)
    db.writing(many)
    auditor = signed_in(app, "aud.auditor")  # 57 events now: its own sign-in is the newest
    first = text(auditor.get("/audit/sign-ins"))
    assert "57 events; page 1 of 2, showing 1 to 50." in first and 'href="/audit/sign-ins?page=2"' in first
    assert "Page 2 of 2" in first and "guess06" not in first and "guess07" in first
    second = text(auditor.get("/audit/sign-ins?page=2"))
    assert "showing 51 to 57" in second and "guess00" in second and 'href="/audit/sign-ins?page=1"' in second
    rows = csv_rows(auditor.get("/audit/sign-ins.csv"))
    assert len(rows) == 57 and rows[-1]["Username"] == "guess00"
    assert rows[0]["Username"] == "aud.auditor" and rows[0]["Name"] == "Aud Fischer"
    assert datetime.fromisoformat(rows[-1]["When (UTC)"]).utcoffset().total_seconds() == 0
    assert rows[-1]["When (UTC)"] == "2026-03-02T09:00:00+00:00"
    injected = next(row for row in rows if "cmd" in row["Username"])
    assert injected["Username"] == "'=cmd|' /C calc'!A0" and injected["Address"] == "'+44"


def test_the_csv_refuses_a_filter_that_is_not_one(app, people):
    refused = signed_in(app, "aud.auditor").get("/audit/sign-ins.csv?to-day=40&to-month=1&to-year=2026")
    assert refused.status_code == 400 and "The end date must be a real date" in text(refused)


@pytest.mark.parametrize("username", ["ivy.medtech", "hana.hub", "bea.board", "sam.sponsor"])
def test_nobody_but_auditors_and_administrators_reads_sign_ins(app, people, username):
    client = signed_in(app, username)
    assert client.get("/audit/sign-ins").status_code == 403
    assert client.get("/audit/sign-ins?from-day=99").status_code == 403
    assert client.get("/audit/sign-ins.csv").status_code == 403


def test_the_page_needs_signing_in(app, people):
    assert app.test_client().get("/audit/sign-ins").status_code == 302
    assert app.test_client().get("/audit/sign-ins.csv").status_code == 302


def test_an_auditors_and_an_administrators_reading_is_on_the_record(app, db, people):
    assert signed_in(app, "aud.auditor").get("/audit/sign-ins?person=sam.sponsor").status_code == 200
    assert signed_in(app, "ada.admin").get("/audit/sign-ins.csv").status_code == 200
    views = [(e.actor, json.loads(e.data_json)["view"]) for e in events(db, "personal_data_viewed")]
    assert views == [("aud.auditor", "sign-ins, no events, for person sam.sponsor"),
                     ("ada.admin", "sign-ins (CSV) for everyone, any time")]
    assert signed_in(app, "aud.auditor").get("/audit/sign-ins?page=0").status_code == 400
    assert len(events(db, "personal_data_viewed")) == 2  # a refused filter reads nothing


def test_second_factor_and_account_changes_are_said_in_words(app, db, clock, people):
    record(db, clock, "second_factor_rule_changed", "ada.admin", change="added", scope="role", value="industry_partner")
    record(db, clock, "second_factor_rule_changed", "ada.admin", change="removed", scope="organisation",
           value="MedTech Innovations Ltd")
    record(db, clock, "recovery_code_used", "ivy.medtech", username="ivy.medtech", left=9)
    db.writing(lambda s: accounts.set_active(s, "bea.board", active=False, actor=accounts.require_user(s, "ada.admin"),
                                             clock=clock))
    page = text(signed_in(app, "aud.auditor").get("/audit/sign-ins?group=second_factor"))
    assert "Added: everyone with the Industry partner role must use a second factor" in page
    assert "Removed: everyone at MedTech Innovations Ltd must use a second factor" in page
    assert "9 recovery codes left" in page and "Recovery code used" in page and "User disabled" not in page
    accounts_page = text(signed_in(app, "aud.auditor").get("/audit/sign-ins?group=passwords_and_accounts"))
    assert "User disabled" in accounts_page
    assert 'Bea Williams <code class="app-username">bea.board</code>' in accounts_page
    assert 'By Ada Lovell <code class="app-username">ada.admin</code>' in accounts_page
