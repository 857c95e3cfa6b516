"""Hostile review of issue 12's pages: each test is a bug the review found and reproduced, fixed since."""
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from engine.store.models import ProcessInstance, User
from tests.web import test_task_pages as pages
from tests.web.test_task_page_decision import PROPOSAL, opened_by
from tests.web.test_task_pages import post_task, signed_in, text, token
from web.form_reading import read_form

at, walker = pages.at, pages.walker  # the fixtures: demo people, and a project walked to a task
DATED = {"type": "object", "properties": {"review_date": {"type": "string", "format": "date"}}}


def boxes(day: str, month: str, year: str) -> MultiDict:
    return MultiDict({"review_date-day": day, "review_date-month": month, "review_date-year": year})


def count(db, model) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_huge_day_in_a_date_box_is_an_error_next_to_the_field_and_the_answers_stay(app, at, walker):
    _, task_id = at("invite_partners")
    client = signed_in(app, opened_by(walker, task_id))
    answer = post_task(client, task_id, [("call_closes_at-day", "99999999999999999999"),
                                         ("call_closes_at-month", "12"), ("call_closes_at-year", "2026")])
    assert answer.status_code == 422 and "Enter a real date" in text(answer)
    assert 'name="call_closes_at-month"' in text(answer)


@pytest.mark.parametrize("day, month", [("-5", "3"), ("1.5", "3"), ("2", "1/2")])
def test_punctuation_in_a_date_box_is_an_error_not_a_different_date(day, month):
    data, errors = read_form(DATED, boxes(day, month, "2026"))
    assert "review_date" in errors


def test_a_date_typed_in_other_digits_is_not_dropped_in_silence():
    data, errors = read_form(DATED, boxes("１２", "３", "２０２６"))
    assert "review_date" in data or "review_date" in errors


def test_a_proposal_submitted_twice_starts_one_project(app, walker, db):
    sam = signed_in(app, "sam.sponsor")
    data = MultiDict(PROPOSAL)
    form = sam.get("/projects/propose").get_data(as_text=True)
    proposal = re.search(r'name="proposal" value="([^"]+)"', form).group(1)  # the form's one-time id
    data.update({"action": "submit", "csrf_token": token(form.encode()), "proposal": proposal})
    before = count(db, ProcessInstance)
    first = sam.post("/projects/propose", data=data)
    again = sam.post("/projects/propose", data=data)
    assert first.status_code == 302
    assert count(db, ProcessInstance) == before + 1, again.status_code


def test_the_propose_page_refuses_in_words(app, walker):
    page = text(signed_in(app, "hana.hub").get("/projects/propose"))
    assert "six_gates" not in page and "sponsor role" not in page


def test_a_claim_of_a_task_done_meanwhile_names_who_did_it_by_name(app, at, walker):
    _, task_id = at("gate1_prioritisation")
    def name_hana(session):  # this test's people have their usernames as names: give Hana hers
        session.scalar(select(User).where(User.username == "hana.hub")).display_name = "Hana Okafor"
    walker.db.writing(name_hana)
    hugo = signed_in(app, "hugo.hub")
    hugo_page = hugo.get(f"/tasks/{task_id}").data
    walker.complete(pages.task_row(walker.db, task_id), {"gate1_decision": "approve"})  # by Hana, the walker's Hub
    refused = hugo.post(f"/tasks/{task_id}/claim", data={"csrf_token": token(hugo_page)}, follow_redirects=True)
    page = text(refused)
    problem = re.search(r"already completed[^<]*", page)
    assert problem and "hana.hub" not in problem.group(0) and "Hana Okafor" in problem.group(0), problem


def test_a_refused_submission_does_not_claim_the_task_behind_its_authors_back(app, at, db):
    _, task_id = at("gate1_prioritisation")
    hugo = signed_in(app, "hugo.hub")
    refused = post_task(hugo, task_id, [("gate1_decision", "reject")])  # a rejection needs its reason
    assert refused.status_code == 422
    held = pages.task_row(db, task_id).claimed_by == "hugo.hub"
    says_so = f'action="/tasks/{task_id}/claim"' not in text(refused)
    assert not held or says_so  # either the task stays open to colleagues, or its author is told he holds it
