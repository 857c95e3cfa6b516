"""Fixtures for single sign-on: one test identity provider per test session, and a Six Gates app trusting it."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import _TEMPLATES, settings_for
from tests.sso.identity_provider import running

BASE_URL = "https://sixgates.example"  # the HTTP tests' app: only its callback address matters to the provider


@pytest.fixture(scope="session")
def identity_provider():
    with running([BASE_URL]) as provider:
        yield provider


@pytest.fixture
def sso_app(db, clock, identity_provider):
    """Six Gates with the test identity provider as its one single sign-on button."""
    from web import create_app
    settings = replace(settings_for(db), base_url=BASE_URL, sso_providers=(identity_provider.provider(),))
    app = create_app(settings, clock=clock, testing=True)
    app.jinja_env.bytecode_cache = _TEMPLATES
    return app
