"""schemathesis against /api/v1 through the Flask app, on SQLite and (in `make test`'s second pass)
PostgreSQL: requests generated from the OpenAPI document, valid and invalid, for every operation, as
several demo users. No answer may be a server error, and every answer must be one the document
describes (status, content type, body schema); invalid requests must be refused with a 4xx."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select

from demo import seed
from engine.identity import tokens
from engine.store.models import Task

# A bounded run: each operation gets this many generated requests per mode and user.
EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 12, schemathesis.GenerationMode.NEGATIVE: 8}
REAL_EXAMPLES = 6
USERS = ["hana.hub", "aud.auditor", "ivy.medtech", "otto.owner"]
# NUL characters are refused in any text (400, tests/api/test_odd_input_api.py): not valid requests.
CONFIG = schemathesis.Config.from_dict({"generation": {"allow-x00": False}})
# Bodies whose validity no schema can express (a BPMN diagram; answers checked against the task's own
# form; a file checked against the field of the task's form it is sent to, by its content; a person who may take
# the task or stand in for the caller, and dates after today) may be refused
# with the documented 400 or 422 however well-formed they are.
CHECKED_BEYOND_THE_SCHEMA = {"POST /processes", "POST /tasks/{task_id}/complete", "POST /tasks/{task_id}/reassign",
                             "PUT /me/delegation", "POST /tasks/{task_id}/documents",
                             "POST /instances/{instance_id}/comments"}  # who may read and be mentioned


@pytest.fixture
def project(people):
    """Demo users, and one project waiting for the partners' expressions of interest."""
    project = people.start()
    people.walk(project, seed.happy_path("Automated MDT preparation", "Multidisciplinary Team Efficiency"),
                stop_at="submit_eoi")
    return project


def _failures(token: str, operation, mode, *, ids: dict | None = None) -> list[str]:
    found: list[str] = []
    names = {p.name for p in operation.path_parameters}
    fixed = {name: value for name, value in (ids or {}).items() if name in names} or None

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    @settings(max_examples=EXAMPLES[mode] if ids is None else REAL_EXAMPLES, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        try:
            excluded = [positive_data_acceptance] if operation.label in CHECKED_BEYOND_THE_SCHEMA else []
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=excluded)
        except (Exception, BaseExceptionGroup) as failure:  # every kind is a finding to report
            found.append(f"{operation.label} [{mode.value}{' with real ids' if fixed else ''}]: {failure}")
            raise

    try:
        run()
    except (Exception, BaseExceptionGroup):  # recorded above
        pass
    return found[-1:]  # the last (shrunk) example of the first failure


@pytest.mark.parametrize("username", USERS)
def test_the_api_answers_generated_requests_as_its_document_says(app, db, clock, six_gates, project, username):
    token = db.writing(lambda s: tokens.create_token(s, username=username, actor="test", clock=clock))
    with db.reading() as s:
        task = s.scalars(select(Task).where(Task.instance_id == project, Task.state == "ready")).first()
    real = {"instance_id": project, "version_id": six_gates.id, "task_id": task.id}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in EXAMPLES:
            failures += _failures(token, operation, mode)
        if operation.path_parameters:  # also on what exists, not only on ids that name nothing
            failures += _failures(token, operation, schemathesis.GenerationMode.POSITIVE, ids=real)
    assert failures == [], "\n\n".join(failures)
