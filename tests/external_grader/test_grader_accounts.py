"""``manage.py create_grader``: an account in the grader group whose secret logs in over the XQueue interface."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def create_grader(username):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_grader", username, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def login(username, password):
    return Client().post("/xqueue/login/", {"username": username, "password": password})


def test_the_printed_secret_logs_in_as_a_grader():
    secret, note = create_grader("grader-python")
    assert "\n" not in secret and len(secret) >= 40
    assert "grader-python" in note
    user = User.objects.get(username="grader-python")
    assert user.groups.filter(name="xqueue").exists()
    assert user.password.startswith("xqueue_grader_pbkdf2_sha256$")
    response = login("grader-python", secret)
    assert response.status_code == 200, response.content
    assert response.json() == {"return_code": 0, "content": "Logged in"}


def test_again_gives_a_new_secret_and_the_old_one_stops_working():
    first, _ = create_grader("grader-again")
    second, _ = create_grader("grader-again")
    assert first != second
    assert User.objects.filter(username="grader-again").count() == 1
    assert login("grader-again", first).status_code == 401
    assert login("grader-again", second).status_code == 200


@override_settings(SUBMISSIONS={"GRADER_GROUP": "graders"})
def test_the_configured_grader_group():
    create_grader("grader-group")
    assert list(User.objects.get(username="grader-group").groups.values_list("name", flat=True)) == ["graders"]


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_without_the_grader_hasher_nothing_is_created():
    with pytest.raises(CommandError, match="GraderPBKDF2PasswordHasher"):
        create_grader("grader-nohasher")
    assert not User.objects.filter(username="grader-nohasher").exists()
