"""``manage.py create_grader``: an account in the grader group whose secret logs in over the XQueue interface."""

import io
import json

import pytest
from django.contrib.auth.models import Group, User
from django.core import checks
from django.core.checks import Tags
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


def test_the_watcher_configuration_goes_to_stderr_and_logs_in():
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_grader", "grader-conf", "--queue", "python", "--server", "http://127.0.0.1:8000", stdout=out, stderr=err
    )
    secret = out.getvalue().strip()
    config = json.loads(err.getvalue()[: err.getvalue().rindex("}") + 1])
    entry = config["python"]
    assert entry["SERVER"] == "http://127.0.0.1:8000"
    assert entry["AUTH"] == ["grader-conf", secret]
    assert entry["CONNECTIONS"] == 2
    assert [handler["HANDLER"] for handler in entry["HANDLERS"]] == ["xqueue_watcher.containergrader.ContainerGrader"]
    assert login(*entry["AUTH"]).status_code == 200


def test_the_watcher_configuration_written_to_a_file(tmp_path):
    path = tmp_path / "python.json"
    out, err = io.StringIO(), io.StringIO()
    call_command("create_grader", "grader-file", "--watcher-config", str(path), stdout=out, stderr=err)
    assert json.loads(path.read_text())["QUEUE-NAME"]["AUTH"] == ["grader-file", out.getvalue().strip()]
    assert out.getvalue().strip() not in err.getvalue()
    assert path.stat().st_mode & 0o777 == 0o600  # it holds the secret


def w110(databases=("default",)):
    return [m for m in checks.run_checks(tags=[Tags.database], databases=list(databases)) if m.id == "submissions.W110"]


def test_w110_names_grader_accounts_with_a_slow_hash():
    slow = User.objects.create_user("grader-admin-made", password="typed-in-the-admin")
    slow.groups.add(Group.objects.get_or_create(name="xqueue")[0])
    create_grader("grader-fast")
    User.objects.create_user("learner", password="not-a-grader")
    locked = User.objects.create_user("grader-locked")  # unusable password: cannot log in, costs nothing
    locked.groups.add(Group.objects.get_or_create(name="xqueue")[0])
    found = w110()
    assert len(found) == 1
    assert "'grader-admin-made'" in found[0].msg
    assert "grader-fast" not in found[0].msg and "learner" not in found[0].msg and "grader-locked" not in found[0].msg
    assert "create_grader" in found[0].hint
    # Fixed the way the hint says: nothing left to name.
    create_grader("grader-admin-made")
    assert w110() == []


def test_w110_is_a_database_check():
    slow = User.objects.create_user("grader-slow", password="typed-in-the-admin")
    slow.groups.add(Group.objects.get_or_create(name="xqueue")[0])
    assert [m for m in checks.run_checks() if m.id == "submissions.W110"] == []  # plain `check`: no database
    assert w110(databases=()) == []
    assert len(w110()) == 1


def test_a_grader_logging_in_through_a_slow_hash_is_named_in_the_log(caplog):
    slow = User.objects.create_user("grader-by-hand", password="typed-in-the-admin")
    slow.groups.add(Group.objects.get_or_create(name="xqueue")[0])
    secret, _ = create_grader("grader-by-command")
    with caplog.at_level("INFO", logger="submissions.external_grader.views"):
        assert login("grader-by-hand", "typed-in-the-admin").status_code == 200
        assert login("grader-by-command", secret).status_code == 200
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert warnings == [
        f"XQueue grader {slow.pk} logged in through a slow password hash; give it a grader secret with "
        "manage.py create_grader (check submissions.W110)"
    ]
