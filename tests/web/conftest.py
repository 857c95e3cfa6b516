"""Fixtures for page tests: demo people who can sign in, and a project walked to Gate 4."""
import pytest

from demo import seed
from tests import snapshots
from tests.conftest import add_user, walk_to_gate4
from tests.web.test_login_inbox import login

PASSWORD = "page-test-pass"


@pytest.fixture
def at_gate4(db, clock, six_gates):
    """The demo people (password PASSWORD), and one project walked up to Gate 4: its id."""
    def add_people_and_walk():
        for username, _name, roles, org in seed.DEMO_USERS:
            add_user(db, clock, username, *roles, org=org, password=PASSWORD)
        return walk_to_gate4(db, clock)
    return snapshots.once("at_gate4", db, clock, add_people_and_walk)


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client
