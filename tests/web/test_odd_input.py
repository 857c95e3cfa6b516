"""Addresses and parameters no page offers answer with a clear 4xx, never a server error."""
import pytest

from tests.web.conftest import signed_in


@pytest.mark.parametrize("path, status", [
    ("/audit/rules/four-eyes?endpoint=x&_anchor=y", 200),  # unknown parameters are ignored
    ("/audit/rules/four-eyes?project=%C2%B2", 400),  # a superscript two is a digit to Python, not a number
    ("/audit/rules/four-eyes?project=99999999999999999999", 400),
    ("/audit/export/csv?instance=99999999999999999999", 400),
    ("/audit/verify/batch?offset=99999999999999999999", 400),
    ("/audit/verify/batch?offset=-1", 400),
    ("/projects/99999999999999999999/history", 404),
    ("/projects/99999999999999999999", 404),
    ("/projects/2147483648", 404),  # one past the largest id PostgreSQL holds
    ("/projects/9223372036854775808/history", 404),
    ("/processes/2147483648/bpmn", 404),
    ("/modeller/drafts/2147483648", 404),
    ("/tasks/%00", 400),  # NUL characters, anywhere
    ("/register?q=%00", 400),
    ("/audit/rules/four-eyes?person=a%00b", 400),
    ("/processes/diff?old=99999999999999999999&new=1", 404),
    ("/migrations?to=%C2%B2", 400),
    ("/migrations?from=99999999999999999999", 400),
])
def test_odd_parameters_are_refused_plainly(app, at_gate4, path, status):
    assert signed_in(app, "aud.auditor").get(path).status_code == status
