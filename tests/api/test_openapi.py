"""The OpenAPI document describes every route of /api/v1."""
import re


def test_every_api_route_and_method_is_in_the_openapi_document(app):
    document = app.test_client().get("/api/v1/openapi.json").json
    described = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len("/api/v1"):])
            routes |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - described == set()
    assert described - routes == set()


def _operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if path != "/openapi.json":
                yield f"{method.upper()} {path}", op


def test_every_operation_documents_its_errors_with_the_error_schema(app):
    document = app.test_client().get("/api/v1/openapi.json").json
    for label, op in _operations(document):
        responses = op["responses"]
        assert {"400", "401"} <= set(responses), label  # any request may carry a NUL or lack a token
        if "{" in label:
            assert "404" in responses, label
        if "requestBody" in op:
            assert "413" in responses, label
        for status, response in responses.items():
            if status >= "400" and (label, status) != ("POST /processes", "422"):  # that one lists findings
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"}, (label, status)


def test_ids_and_pages_are_bounded_as_the_server_bounds_them(app):
    document = app.test_client().get("/api/v1/openapi.json").json
    for label, op in _operations(document):
        for parameter in op["parameters"]:
            schema = parameter["schema"]
            if parameter["name"].endswith("_id") and schema["type"] == "integer" or parameter["name"] in (
                    "old", "new", "upto"):
                assert (schema["minimum"], schema["maximum"]) == (1, 2**31 - 1), (label, parameter["name"])
            if parameter["name"] == "limit":
                assert (schema["minimum"], schema["maximum"]) == (1, 200), label
    body = document["paths"]["/migrations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["target_version", "instances"] and body["properties"]["instances"]["minItems"] == 1


def test_a_query_parameter_the_document_does_not_name_is_refused(api_as):
    auditor = api_as("aud", "auditor")
    assert auditor.get("/instances?status=running").status_code == 200
    misspelt = auditor.get("/instances?stauts=running")
    assert misspelt.status_code == 400 and "stauts" in misspelt.json["error"]["message"]
    assert auditor.get("/instances?limit=5&limit=6").status_code == 400
    assert auditor.get("/audit/verify?rerun=nope").status_code == 400
