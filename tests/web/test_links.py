"""Links and forms are built by url_for: served under a path prefix, every link stays on the site, and a route
that moves takes its links with it."""
import re
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD
from tests.web.test_login_inbox import csrf_token

TEMPLATES = Path(__file__).parents[2] / "web" / "templates"
PREFIX = "/six-gates"
LINK = re.compile(r'(?:href|action|src)="(/[^"]*)"')


def test_no_template_writes_a_path_of_the_site_by_hand():
    written = [f"{page.relative_to(TEMPLATES)}: {match.group(0)}" for page in sorted(TEMPLATES.rglob("*.html"))
               for match in re.finditer(r'(?:href|action|src|formaction)="/', page.read_text())]
    assert written == []


def test_no_script_of_ours_writes_a_path_of_the_site_by_hand():
    """Scripts take their links from the page (data-* attributes built with url_for)."""
    scripts = [path for path in (TEMPLATES.parent / "static").rglob("*.js") if "vendor" not in path.parts]
    written = [f"{path.name}: {match.group(0)}" for path in sorted(scripts)
               for match in re.finditer(r"""["'`]/[a-z]""", path.read_text())]
    assert scripts and written == []


def _signed_in_under_prefix(app, username: str):
    client = app.test_client()
    base = f"http://localhost{PREFIX}"
    page = client.get("/login", base_url=base).data
    answer = client.post("/login", base_url=base, data={"username": username, "password": PASSWORD,
                                                        "csrf_token": csrf_token(page)})
    assert answer.status_code == 302 and answer.location == f"{PREFIX}/inbox"
    return client, base


@pytest.mark.parametrize("username, paths", [
    ("aud.auditor", ["/inbox", "/audit", "/audit/verify?run=1", "/audit/rules"]),
    ("otto.owner", ["/processes", "/processes/1", "/modeller", "/migrations?from=1"]),
])
def test_served_under_a_path_prefix_every_link_and_form_stays_on_the_site(app, at_gate4, username, paths):
    client, base = _signed_in_under_prefix(app, username)
    for path in paths:
        response = client.get(path, base_url=base)
        assert response.status_code == 200, path
        links = LINK.findall(response.get_data(as_text=True))
        assert links, path
        assert [link for link in links if not link.startswith(f"{PREFIX}/")] == [], path


def test_a_deployed_drafts_links_name_the_version_and_the_migration_under_the_prefix(app, at_gate4):
    client, base = _signed_in_under_prefix(app, "otto.owner")
    page = client.get("/modeller", base_url=base).get_data(as_text=True)
    copied = client.post("/modeller/drafts", base_url=base, data={"version_id": "1", "csrf_token": csrf_token(
        page.encode())})
    draft_url = copied.location
    assert draft_url.startswith(f"{PREFIX}/modeller/drafts/")
    editor = client.get(draft_url.removeprefix(PREFIX), base_url=base).get_data(as_text=True)
    deployed = client.post(f"{draft_url.removeprefix(PREFIX)}/deploy", base_url=base,
                           headers={"X-CSRFToken": csrf_token(editor.encode())})
    assert deployed.status_code == 200, deployed.get_data(as_text=True)
    assert deployed.json["version_url"] == f"{PREFIX}/processes/{deployed.json['version']['id']}"
