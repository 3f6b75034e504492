"""The served OpenAPI 3 schema has every path, method, status code and schema of the spec (§2-§3)."""

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/instructor/v2/schema/?format=json"
P = "/api/instructor/v2/courses/{course_key}"
COMMON = {"400", "401", "403", "404", "500"}

#: (method, path): (operationId, {status: component}) from the spec's endpoint table.
OPERATIONS = {
    ("get", f"{P}/learners/{{email_or_username}}"): ("getLearner", {"200": "Learner"}),
    ("get", f"{P}/problems/{{location}}"): ("getProblem", {"200": "Problem"}),
    ("get", f"{P}/grading-config"): ("getGradingConfig", {"200": "GradingConfig"}),
    ("post", f"{P}/{{problem}}/grading/attempts/reset"): (
        "resetAttempts",
        {"200": "SyncOperationResult", "202": "AsyncOperationResult", "409": "Error"},
    ),
    ("delete", f"{P}/{{problem}}/grading/state"): ("deleteState", {"200": "SyncOperationResult"}),
    ("post", f"{P}/{{problem}}/grading/scores/rescore"): (
        "rescore",
        {"200": "SyncOperationResult", "202": "AsyncOperationResult", "409": "Error"},
    ),
    ("put", f"{P}/{{problem}}/grading/scores"): ("overrideScore", {"200": "SyncOperationResult"}),
    ("get", f"{P}/tasks/{{task_id}}"): ("getTaskStatus", {"200": "TaskStatus"}),
}

#: component: (required fields, all fields) from the spec's schema table.
SCHEMAS = {
    "Error": ({"error", "message", "status_code"}, {"error", "message", "status_code", "field_errors"}),
    "SyncOperationResult": (
        {"success"},
        {"success", "learner", "problem_location", "message", "score", "previous_score"},
    ),
    "AsyncOperationResult": ({"task_id", "status_url", "scope"}, {"task_id", "status_url", "scope"}),
    "TaskStatus": (
        {"task_id", "state", "created_at", "updated_at"},
        {"task_id", "state", "created_at", "updated_at", "progress", "result", "error"},
    ),
    "Learner": ({"username", "email", "full_name"}, {"username", "email", "full_name", "progress_url", "is_enrolled"}),
    "Problem": ({"id", "name", "breadcrumbs"}, {"id", "name", "breadcrumbs", "current_score", "attempts"}),
    "GradingConfig": (set(), {"graders", "grade_cutoffs"}),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get(SCHEMA_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def test_the_schema_is_generated_without_a_warning(client):
    """drf-spectacular reports what it cannot describe (and guesses); every operation is described instead."""
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    assert client.get(SCHEMA_URL).status_code == 200
    assert not GENERATOR_STATS, (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache))


def test_is_openapi_3_with_only_this_api(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Instructor Grading API"
    assert {path for _method, path in OPERATIONS} == set(schema["paths"])


@pytest.mark.parametrize(("method", "path"), list(OPERATIONS))
def test_every_operation_and_status_of_the_spec(schema, method, path):
    operation_id, responses = OPERATIONS[(method, path)]
    operation = schema["paths"][path][method]
    assert operation["operationId"] == operation_id
    assert set(operation["responses"]) >= COMMON | set(responses)
    for status, component in {**responses, **dict.fromkeys(COMMON, "Error")}.items():
        media = operation["responses"][status]["content"]["application/json"]["schema"]
        assert media == {"$ref": f"#/components/schemas/{component}"}, (status, media)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_every_schema_of_the_spec(schema, name):
    required, fields = SCHEMAS[name]
    component = schema["components"]["schemas"][name]
    assert set(component["properties"]) >= fields
    assert set(component.get("required", [])) >= required


def test_nested_shapes(schema):
    components = schema["components"]["schemas"]
    status = components["TaskStatus"]["properties"]
    assert resolve(schema, status["state"])["enum"] == ["pending", "running", "completed", "failed"]
    assert set(resolve(schema, status["progress"])["properties"]) == {"current", "total"}
    assert {"success", "message"} <= set(resolve(schema, status["result"])["properties"])
    assert set(resolve(schema, status["error"])["properties"]) == {"code", "message"}
    scope = resolve(schema, components["AsyncOperationResult"]["properties"]["scope"])
    assert set(scope["properties"]) == {"learners", "problem_location", "problems"}
    problem = components["Problem"]["properties"]
    crumb = resolve(schema, problem["breadcrumbs"]["items"])
    assert set(crumb["properties"]) == {"display_name", "usage_key"}
    grader = resolve(schema, components["GradingConfig"]["properties"]["graders"]["items"])
    assert set(grader["properties"]) == {"type", "short_label", "min_count", "drop_count", "weight"}


def test_parameters(schema):
    rescore = schema["paths"][f"{P}/{{problem}}/grading/scores/rescore"]["post"]
    names = {(param["in"], param["name"]) for param in rescore["parameters"]}
    assert {("path", "course_key"), ("path", "problem"), ("query", "learner"), ("query", "only_if_higher")} <= names
    body = resolve(schema, rescore["requestBody"]["content"]["application/json"]["schema"])
    assert {"learner", "only_if_higher"} <= set(body["properties"])
    override = schema["paths"][f"{P}/{{problem}}/grading/scores"]["put"]
    body = resolve(schema, override["requestBody"]["content"]["application/json"]["schema"])
    assert {"score", "new_score"} <= set(body["properties"])
    delete = schema["paths"][f"{P}/{{problem}}/grading/state"]["delete"]
    assert {"in": "query", "name": "learner"}.items() <= next(
        p for p in delete["parameters"] if p["name"] == "learner"
    ).items()


def test_swagger_ui_page_works_offline(client):
    response = client.get("/api/instructor/v2/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'url: "/api/instructor/v2/schema"' in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr" not in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
