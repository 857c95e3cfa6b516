"""The modeller's form preview draws the forms with their rules: conditional fields appear (with
the hints that say when they apply), and a rule the server would not understand is explained."""
import json
from pathlib import Path

from tests.web.test_login_inbox import csrf_token
from tests.web.test_modeller import client_for, post_json

FORMS = Path(__file__).resolve().parents[2] / "forms"


def preview(client, token, name):
    schema = (FORMS / f"{name}.schema.json").read_text()
    ui = (FORMS / f"{name}.uischema.json").read_text()
    return post_json(client, "/modeller/preview-form", token, {"schema": schema, "ui": ui})


def test_the_preview_draws_conditional_fields_and_read_only_facts(app, db, clock):
    client = client_for(app, db, clock)
    token = csrf_token(client.get("/modeller").data)
    gate1 = preview(client, token, "gate1_prioritisation")
    page = gate1.data.decode()
    assert gate1.status_code == 200
    assert page.index("Decision") < page.index("Review date") < page.index("Reason for rejection")
    assert 'name="review_date-year"' in page and "(after today)" in page
    gate4 = preview(client, token, "gate4_mobilisation_approval")
    page = gate4.data.decode()
    assert gate4.status_code == 200
    for label in ("Total budget of the pack (GBP)", "DPIA approved (or not needed)", "Budget committed (GBP)",
                  "Reason for approving without the governance in place"):
        assert label in page


def test_the_preview_explains_a_date_rule_it_does_not_understand(app, db, clock):
    client = client_for(app, db, clock)
    token = csrf_token(client.get("/modeller").data)
    schema = {"type": "object", "properties": {"when": {"type": "string", "format": "date",
                                                        "x-not-before": "yesterday"}}}
    shown = post_json(client, "/modeller/preview-form", token, {"schema": json.dumps(schema)})
    assert shown.status_code == 422 and "the values understood are" in shown.data.decode()
