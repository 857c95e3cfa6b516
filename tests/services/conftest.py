"""Fixtures for the service-layer tests."""
import pytest

from engine import demo, identity
from engine.walker import Walker


@pytest.fixture
def people(db, clock, six_gates):
    """Every demo user, and a Walker that completes tasks as the right one of them."""
    for username, name, roles, org in demo.DEMO_USERS:
        db.writing(lambda s, u=username, n=name, r=roles, o=org: identity.add_user(
            s, username=u, display_name=n, roles=r, organisation=o, actor="test", clock=clock))
    return Walker(db, clock)
