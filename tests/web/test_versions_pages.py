"""The process versions pages: who deployed what and when, the projects on each version, one
version's diagram and files, and the diff between two versions listed and drawn."""
import html
import json
import re

import pytest

from demo.walker import Walker
from engine.repository import deployments
from engine.store.models import ProcessInstance
from tests import snapshots
from tests.conftest import ROOT
from tests.engine.test_version_diff import revised_six_gates
from tests.web.conftest import signed_in


@pytest.fixture
def two_versions(db, clock, six_gates, at_gate4):
    """Version 1 with a project in progress (at Gate 4) and a finished one; version 2 deployed by
    the process owner a day later, with the revisions of revised_six_gates."""
    def deploy_second():
        finished = Walker(db, clock).start()

        def finish(session):
            session.get(ProcessInstance, finished).status = "completed"
        db.writing(finish)
        clock.advance(days=1)
        bpmn, dmn, forms = revised_six_gates()
        second, created = db.writing(lambda s: deployments.deploy_process(
            s, bpmn=bpmn, dmn=dmn, forms=forms, actor="otto.owner", clock=clock))
        assert created
        return six_gates.id, second.id
    return snapshots.once("versions_pages two_versions", db, clock, deploy_second)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def row_texts(page: str) -> list[str]:
    """The rows' words, without the column headings each cell repeats for narrow screens."""
    body = page.split('<tbody class="nhsuk-table__body">')[1].split("</tbody>")[0]
    body = re.sub(r'<span class="nhsuk-table__heading" aria-hidden="true">[^<]*</span>', "", body)
    return [words(row) for row in re.findall(r'<tr class="nhsuk-table__row" role="row">(.*?)</tr>', body, re.S)]


def words(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def diagram_data(page: str, name: str) -> dict:
    found = re.search(rf'<script type="application/json" data-diagram-data="{name}">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_the_list_says_who_deployed_each_version_when_and_how_many_projects_run_on_it(app, two_versions):
    old, new = two_versions
    response = signed_in(app, "otto.owner").get("/processes")
    assert response.status_code == 200
    page = text_of(response)
    first, second = row_texts(page)
    assert first.startswith("Six Gates six_gates Version 1 test 2 March 2026 at 9am 1 not yet finished 1")
    assert second.startswith("Six Gates six_gates Version 2 Latest otto.owner 3 March 2026 at 9am 0 not yet finished 0")
    assert f'href="/processes/diff?old={old}&amp;new={new}"' in response.get_data(as_text=True)
    assert f'href="/modeller?version={new}"' in page and f'href="/migrations?from={old}"' in page
    assert f'href="/migrations?from={new}"' not in page  # no project runs on it yet
    assert "counts projects that have not finished" in page
    compare = page.split('id="compare-title"')[1]
    assert re.search(rf'name="old">\s*<option value="{old}" selected', compare)
    assert re.search(rf'<option value="{new}" selected', compare.split('name="new"')[1])


@pytest.mark.parametrize("username", ["sam.sponsor", "hana.hub", "cara.chair", "ivy.medtech"])
def test_people_outside_process_ownership_audit_and_admin_are_refused(app, two_versions, username):
    old, new = two_versions
    client = signed_in(app, username)
    for path in ["/processes", f"/processes/{old}", f"/processes/{old}/bpmn", f"/processes/diff?old={old}&new={new}"]:
        assert client.get(path).status_code == 403, path
    assert 'href="/processes"' not in client.get("/inbox").get_data(as_text=True)


@pytest.mark.parametrize("username", ["aud.auditor", "ada.admin"])
def test_auditors_and_administrators_may_read_the_versions(app, two_versions, username):
    old, new = two_versions
    client = signed_in(app, username)
    assert client.get("/processes").status_code == 200
    assert client.get(f"/processes/diff?old={old}&new={new}").status_code == 200


def test_one_version_shows_its_diagram_its_forms_and_a_download(app, two_versions):
    old, _new = two_versions
    client = signed_in(app, "otto.owner")
    response = client.get(f"/processes/{old}")
    page = text_of(response)
    assert response.status_code == 200 and "<h1>Six Gates version 1</h1>" in page
    assert "1 in progress, 1 finished" in page
    url = diagram_data(response.get_data(as_text=True), "version")["url"]
    assert client.get(url).get_data(as_text=True).startswith("<?xml")
    forms = row_texts(page.split('id="forms-title"')[1].split("</table>")[0] + "</tbody>")
    assert "gate4_mobilisation_approval.schema.json Gate 4 – Mobilisation approval Gate 4 – Mobilisation approval" \
        in forms
    assert "evidence_gate.dmn" in page
    download = client.get(f"/processes/{old}/bpmn")
    assert download.status_code == 200 and download.mimetype == "application/xml"
    assert download.headers["Content-Disposition"] == 'attachment; filename="six_gates-v1.bpmn"'
    assert download.data == (ROOT / "processes" / "six_gates.bpmn").read_bytes()


def test_the_diff_lists_each_change_by_area_with_a_summary(app, two_versions):
    old, new = two_versions
    page = text_of(signed_in(app, "otto.owner").get(f"/processes/diff?old={old}&new={new}"))
    summary = words(page.split('id="diff-summary">')[1].split("</p>")[0])
    assert summary == ("11 changes: 3 added, 2 removed, 6 changed "
                       "(8 in the diagram, 2 in forms, 1 in decision tables).")
    diagram = page.split('id="area-diagram"')[1].split("</section>")[0]
    assert "Diagram elements <span class=\"count\">(8)</span>" in page
    assert "Gate 4 – Mobilisation approval moved from lane Finance approver to lane Board chair" in diagram
    assert 'data-show-side="new" data-show-element="gate4_mobilisation_approval"' in diagram
    assert 'data-show-side="old" data-show-element="extend_pilot">Removed script task “Extend pilot”' in diagram
    forms = page.split('id="area-forms"')[1].split("</section>")[0]
    assert "field “Risk rating” ( risk_rating ) added" in words(forms)
    assert "<code>risk_rating</code>" in forms  # an identifier the owner finds in the modeller, set as code
    decisions = page.split('id="area-decisions"')[1].split("</section>")[0]
    assert "rule “Fewer than half met”: Outcome measures met changed" in decisions
    assert 'data-show-element="evidence_recommendation"' in decisions


def test_the_diff_draws_markers_on_the_new_and_the_old_diagram(app, two_versions):
    old, new = two_versions
    client = signed_in(app, "otto.owner")
    page = client.get(f"/processes/diff?old={old}&new={new}").get_data(as_text=True)
    drawn_new, drawn_old = diagram_data(page, "new"), diagram_data(page, "old")
    assert "<bpmn" not in page  # each diagram is fetched after the page is shown
    xml_new, xml_old = (client.get(d["url"]).get_data(as_text=True) for d in (drawn_new, drawn_old))
    assert "notify_finance" in xml_new and "notify_finance" not in xml_old
    assert drawn_new["markers"]["notify_finance"] == {"marker": "added", "badge": "Added"}
    assert drawn_new["markers"]["gate4_mobilisation_approval"] == {"marker": "changed", "badge": "Moved"}
    assert drawn_old["markers"]["extend_pilot"] == {"marker": "removed", "badge": "Removed"}
    assert "extend_pilot" not in drawn_new["markers"]
    label = html.unescape(re.search(r'id="diagram-new"[^>]*aria-label="([^"]*)"', page).group(1))
    assert label.startswith("Diagram of Six Gates version 2, with 2 added, 5 changed and 0 removed elements marked.")
    assert "Added: green, badge “Added”" in html.unescape(page)
    assert "/static/versions.js" in page and "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in page


def test_identical_versions_show_no_differences(app, two_versions):
    old, _new = two_versions
    page = text_of(signed_in(app, "otto.owner").get(f"/processes/diff?old={old}&new={old}"))
    assert "No differences:" in page and 'id="area-diagram"' not in page


def test_unknown_versions_are_404_and_a_missing_choice_400(app, two_versions):
    old, _new = two_versions
    client = signed_in(app, "otto.owner")
    assert client.get("/processes/999").status_code == 404
    assert client.get("/processes/999/bpmn").status_code == 404
    assert client.get(f"/processes/diff?old={old}&new=999").status_code == 404
    missing = client.get(f"/processes/diff?old={old}")
    assert missing.status_code == 400 and "Choose the two versions to compare" in text_of(missing)


def test_a_version_deployed_from_the_command_line_says_so_in_words(app, db, two_versions):
    from engine.store.models import ProcessVersion
    old, _new = two_versions
    db.writing(lambda s: setattr(s.get(ProcessVersion, old), "deployed_by", "cli"))
    client = signed_in(app, "otto.owner")
    assert "by the command line (Hub team)" in words(text_of(client.get(f"/processes/{old}")))
    listed = row_texts(text_of(client.get("/processes")))[0]
    assert "The command line (Hub team)" in listed and " cli " not in listed
