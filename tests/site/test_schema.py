"""The OpenAPI schema of the site's API (drf-spectacular): complete, valid, and showing the envelope it sends."""

import pytest
import yaml
from django.core.management import call_command

from tests.site.conftest import token_client


def test_schema_is_valid_without_warnings_and_shows_the_envelope(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for path in (
        "/api/auth/register/",
        "/api/auth/login/",
        "/api/auth/refresh/",
        "/api/auth/me/",
        "/api/classes/",
        "/api/classes/{id}/join/",
        "/api/classes/{id}/archive/",
        "/api/assignments/",
        "/api/assignments/{id}/",
        "/api/assignments/{id}/publish/",
        "/api/assignments/{id}/close/",
        "/api/code/run/",
        "/api/submissions/submissions/",
        "/api/submissions/submissions/{id}/",
        "/api/grading/grading/run-autograder/",
        "/api/grading/submissions/{id}/grade/",
        "/api/grading/submissions/{id}/publish/",
        "/api/notifications/",
        "/api/notifications/{id}/read/",
    ):
        assert path in paths, path
    assert not [path for path in paths if path.startswith(("/api/instructor/", "/xqueue/"))]
    created = paths["/api/classes/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert set(created["properties"]) == {"success", "data", "message"}
    assert paths["/api/classes/"]["post"]["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


@pytest.mark.django_db
def test_schema_and_swagger_ui_are_served_to_signed_in_users(make_user):
    user = make_user("reader")
    assert token_client().get("/api/schema/").status_code == 401
    assert token_client(user).get("/api/schema/").status_code == 200
    assert token_client(user).get("/api/docs/").status_code == 200
