"""Single sign-on tests: their fixtures (identity_provider, sso_app) are in tests/conftest.py, shared with the
review's attack tests."""
from tests.sso.identity_provider import BASE_URL  # noqa: F401  (imported from here by the tests)
