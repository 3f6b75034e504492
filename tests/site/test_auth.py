"""Register, log in, refresh, me: the JWT flow and its refusals (400 with field errors, 401)."""

import pytest

from tests.site.conftest import token_client

pytestmark = pytest.mark.django_db


def post(path, body):
    return token_client().post(path, body, format="json")


def test_register_login_refresh_me():
    created = post(
        "/api/auth/register/",
        {"username": "ann", "email": "ann@example.com", "password": "Long-pass-9", "role": "teacher"},
    )
    assert created.status_code == 201
    assert created.json() == {
        "success": True,
        "data": {"id": created.json()["data"]["id"], "username": "ann", "email": "ann@example.com", "role": "teacher"},
        "message": "Registered.",
    }
    tokens = post("/api/auth/login/", {"username": "ann", "password": "Long-pass-9"}).json()["data"]
    assert tokens["user"]["role"] == "teacher"
    access = post("/api/auth/refresh/", {"refresh": tokens["refresh"]}).json()["data"]["access"]
    client = token_client()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert client.get("/api/auth/me/").json()["data"]["username"] == "ann"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"username", "email", "password", "role"}),
        ({"username": "bo", "email": "not-an-email", "password": "Long-pass-9", "role": "student"}, {"email"}),
        ({"username": "bo", "email": "bo@example.com", "password": "Long-pass-9", "role": "admin"}, {"role"}),
        ({"username": "bo", "email": "bo@example.com", "password": "123", "role": "student"}, {"password"}),
        ({"username": "b o!", "email": "bo@example.com", "password": "Long-pass-9", "role": "student"}, {"username"}),
        ({"username": "taken", "email": "new@example.com", "password": "Long-pass-9", "role": "student"}, {"username"}),
        ({"username": "new", "email": "TAKEN@example.com", "password": "Long-pass-9", "role": "student"}, {"email"}),
    ],
)
def test_register_refuses_bad_input_and_writes_nothing(make_user, body, fields):
    from users.models import User

    make_user("taken")
    before = User.objects.count()
    response = post("/api/auth/register/", body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["success"] is False and set(payload["errors"]) == fields, payload
    assert all(isinstance(messages, list) and messages for messages in payload["errors"].values())
    assert User.objects.count() == before


def test_login_and_refresh_refusals(make_user):
    make_user("cy", password="Right-pass-1")
    wrong = post("/api/auth/login/", {"username": "cy", "password": "wrong"})
    assert wrong.status_code == 401 and wrong.json()["success"] is False and wrong.json()["message"]
    missing = post("/api/auth/login/", {"username": "cy"})
    assert missing.status_code == 400 and set(missing.json()["errors"]) == {"password"}
    assert post("/api/auth/refresh/", {"refresh": "garbage"}).status_code == 401
    assert set(post("/api/auth/refresh/", {}).json()["errors"]) == {"refresh"}


def test_no_or_bad_token_is_401_in_the_envelope():
    response = token_client().get("/api/classes/")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"success": False, "message": response.json()["message"], "errors": {}}
    client = token_client()
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    assert client.get("/api/classes/").status_code == 401
