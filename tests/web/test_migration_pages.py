"""The migration pages: choose projects, see the dry run, confirm, see the result."""
import html
import re

from sqlalchemy import select

from engine.store.models import AuditEvent, ProcessInstance
from tests.diagram_edits import deploy, move_to_lane, six_gates_files
from tests.web.conftest import signed_in
from tests.web.test_login_inbox import csrf_token


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_an_owner_checks_then_moves_a_project_and_the_move_is_on_its_trail(app, db, clock, at_gate4):
    tree, dmn, forms = six_gates_files()
    move_to_lane(tree, "gate4_mobilisation_approval", "lane_board_chair")
    target = deploy(db, clock, tree, dmn, forms)
    owner = signed_in(app, "otto.owner")

    choose = text_of(owner.get("/migrations?from=1"))
    assert "Automated MDT preparation" in choose and "version 2, deployed" in choose

    dry = owner.get(f"/migrations/plan?from=1&to={target.id}&instance={at_gate4}")
    page = text_of(dry)
    assert "1 of 1 project can move safely. Nothing has changed yet." in page
    assert "Gate 4 – Mobilisation approval" in page and "it moves to the lane “Board chair”" in page
    with db.reading() as s:
        assert s.get(ProcessInstance, at_gate4).process_version_id == 1

    assert owner.post("/migrations", data={"to": target.id, "instance": at_gate4}).status_code == 400  # no token
    done = owner.post("/migrations", data={"to": target.id, "instance": at_gate4,
                                           "csrf_token": csrf_token(dry.data)})
    assert "1 of 1 project moved." in text_of(done) and "Moved from version 1 to 2" in text_of(done)
    with db.reading() as s:
        assert s.get(ProcessInstance, at_gate4).process_version_id == target.id
        assert s.scalars(select(AuditEvent.actor).where(AuditEvent.kind == "instance_migrated")).one() == "otto.owner"


def test_a_blocked_project_is_explained_and_offered_no_button(app, db, clock, at_gate4):
    tree, dmn, forms = six_gates_files()
    from tests.diagram_edits import rename_id
    rename_id(tree, "gate4_mobilisation_approval", "gate4_renamed")
    target = deploy(db, clock, tree, dmn, forms)
    page = text_of(signed_in(app, "otto.owner").get(f"/migrations/plan?from=1&to={target.id}&instance={at_gate4}"))
    assert "0 of 1 project can move safely" in page and "Cannot move" in page
    assert "“Gate 4 – Mobilisation approval” (gate4_mobilisation_approval) does not exist in version 2" in page
    assert "<button" not in page.split("<main")[1].split("Dry run")[1].split("</main>")[0].replace(
        "Sign out", "")


def test_people_who_are_not_process_owners_are_refused(app, db, clock, at_gate4):
    hub = signed_in(app, "hana.hub")
    assert hub.get("/migrations?from=1").status_code == 403
    assert hub.get(f"/migrations/plan?from=1&to=1&instance={at_gate4}").status_code == 403


def test_the_choice_page_is_for_process_owners_even_with_nothing_running(app, db, clock, six_gates):
    from tests.conftest import add_user
    from tests.web.conftest import PASSWORD
    add_user(db, clock, "hana.hub", "hub_team", password=PASSWORD)
    assert signed_in(app, "hana.hub").get("/migrations").status_code == 403
