"""login/, logout/, status/, authentication, CSRF, methods and URLs of the grader interface (spec §1, §4, §5.1-5.3)."""

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from submissions.external_grader.hashers import GRADER_HASHER_ALGORITHM, set_grader_password
from tests.external_grader.xqueue.conftest import GRADER_PASSWORD, envelope, make_grader

pytestmark = pytest.mark.django_db

GRADER_ENDPOINTS = [
    ("get", "xqueue:xqueue-get_submission", {"queue_name": "q"}),
    ("get", "xqueue:xqueue-get_queuelen", {"queue_name": "q"}),
    ("post", "xqueue:xqueue-put_result", {"xqueue_header": "{}", "xqueue_body": "{}"}),
]


def test_urls_end_with_slash_and_have_spec_names():
    assert reverse("xqueue:xqueue-login") == "/xqueue/login/"
    assert reverse("xqueue:xqueue-logout") == "/xqueue/logout/"
    assert reverse("xqueue:xqueue-get_submission") == "/xqueue/get_submission/"
    assert reverse("xqueue:xqueue-put_result") == "/xqueue/put_result/"
    assert reverse("xqueue:xqueue-get_queuelen") == "/xqueue/get_queuelen/"
    assert reverse("xqueue:xqueue-status") == "/xqueue/status/"


def test_no_format_suffix_routes(grader_client):
    assert grader_client.get("/xqueue/get_submission.json", {"queue_name": "q"}).status_code == 404
    assert grader_client.get("/xqueue/status.json").status_code == 404


def test_login_get_sets_csrf_cookie(client):
    response = client.get("/xqueue/login/")
    assert response.status_code == 200
    assert envelope(response) == {"return_code": 0, "content": ""}
    assert response.cookies["csrftoken"].value


@pytest.mark.parametrize("data", [{}, {"username": "grader"}, {"password": "x"}, {"username": "", "password": ""}])
def test_login_missing_fields(client, grader, data):
    response = client.post("/xqueue/login/", data)
    assert response.status_code == 400
    assert envelope(response) == {"return_code": 1, "content": "Insufficient login info"}


def test_login_json_body_and_wrong_types(client, grader):
    response = client.post(
        "/xqueue/login/", json.dumps({"username": "grader", "password": GRADER_PASSWORD}), "application/json"
    )
    assert response.status_code == 200, response.content
    bad = client.post("/xqueue/login/", json.dumps({"username": ["grader"], "password": 5}), "application/json")
    assert bad.status_code == 400
    assert envelope(bad)["content"] == "Insufficient login info"
    assert client.post("/xqueue/login/", "not json", "application/json").status_code == 400


def test_login_bad_credentials(client, grader):
    response = client.post("/xqueue/login/", {"username": "grader", "password": "wrong"})
    assert response.status_code == 401
    assert envelope(response) == {"return_code": 1, "content": "Incorrect login credentials"}
    assert "sessionid" not in response.cookies
    response = client.post("/xqueue/login/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 401


def test_login_inactive_grader_refused(client, grader):
    grader.is_active = False
    grader.save()
    assert client.post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD}).status_code == 401


def test_login_non_grader_refused_and_not_logged_in(client):
    User.objects.create_user(username="learner", password="pw-learner")
    response = client.post("/xqueue/login/", {"username": "learner", "password": "pw-learner"})
    assert response.status_code == 403
    assert envelope(response) == {"return_code": 1, "content": "User is not authorised to use the grader interface"}
    assert "sessionid" not in response.cookies


def test_login_success_rotates_csrf_and_opens_session(client, grader):
    first = client.get("/xqueue/login/").cookies["csrftoken"].value
    response = client.post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD})
    assert response.status_code == 200
    assert envelope(response) == {"return_code": 0, "content": "Logged in"}
    assert response.cookies["sessionid"].value
    assert response.cookies["csrftoken"].value != first
    # The session now reaches grader endpoints (an unknown queue is a business answer, not an auth one).
    assert client.get("/xqueue/get_queuelen/", {"queue_name": ""}).status_code == 400


def test_login_with_model_permission_instead_of_group(client):
    user = User.objects.create_user(username="permitted", password="pw-permitted")
    user.user_permissions.add(Permission.objects.get(codename="change_externalgraderdetail"))
    assert client.post("/xqueue/login/", {"username": "permitted", "password": "pw-permitted"}).status_code == 200


def test_login_group_name_is_a_setting(client, settings):
    make_grader(username="custom", group="graders")
    settings.SUBMISSIONS = {"GRADER_GROUP": "graders"}
    assert client.post("/xqueue/login/", {"username": "custom", "password": GRADER_PASSWORD}).status_code == 200
    settings.SUBMISSIONS = {}
    other = Client()
    assert other.post("/xqueue/login/", {"username": "custom", "password": GRADER_PASSWORD}).status_code == 403


def test_login_needs_no_csrf_even_with_a_session(grader_client):
    # A watcher re-logging in still carries its (possibly expired) session cookie and maybe no token.
    response = grader_client.post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD})
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_logout(grader_client, method):
    response = getattr(grader_client, method)("/xqueue/logout/")
    assert response.status_code == 200
    assert envelope(response) == {"return_code": 0, "content": "Goodbye"}
    assert grader_client.get("/xqueue/get_queuelen/", {"queue_name": "q"}).status_code == 401


def test_logout_anonymous(client):
    assert envelope(client.post("/xqueue/logout/")) == {"return_code": 0, "content": "Goodbye"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_status_anonymous(client, method):
    response = getattr(client, method)("/xqueue/status/")
    assert response.status_code == 200
    assert envelope(response) == {"return_code": 0, "content": "OK"}


@pytest.mark.parametrize("method,name,data", GRADER_ENDPOINTS)
def test_anonymous_gets_401_envelope(client, method, name, data):
    response = getattr(client, method)(reverse(name), data)
    assert response.status_code == 401
    assert envelope(response) == {"return_code": 1, "content": "login_required"}


@pytest.mark.parametrize("method,name,data", GRADER_ENDPOINTS)
def test_anonymous_legacy_redirect(client, settings, method, name, data):
    settings.SUBMISSIONS = {"XQUEUE_LEGACY_REDIRECT": True}
    response = getattr(client, method)(reverse(name), data)
    assert response.status_code == 302
    assert response["Location"] == "/xqueue/login/"
    assert envelope(response) == {"return_code": 1, "content": "login_required"}


@pytest.mark.parametrize("method,name,data", GRADER_ENDPOINTS)
def test_authenticated_non_grader_gets_403(method, name, data):
    c = Client()
    c.force_login(User.objects.create_user(username="learner"))
    response = getattr(c, method)(reverse(name), data)
    assert response.status_code == 403
    assert envelope(response) == {"return_code": 1, "content": "User is not authorised to use the grader interface"}


def test_grader_removed_from_group_loses_access(grader, grader_client):
    grader.groups.clear()
    assert grader_client.get("/xqueue/get_queuelen/", {"queue_name": "q"}).status_code == 403


@pytest.mark.parametrize(
    "method,path,message",
    [
        ("get", "/xqueue/put_result/", "'put_result' must use HTTP POST"),
        ("put", "/xqueue/put_result/", "'put_result' must use HTTP POST"),
        ("post", "/xqueue/get_submission/", "'get_submission' must use HTTP GET"),
        ("delete", "/xqueue/get_queuelen/", "'get_queuelen' must use HTTP GET"),
        ("options", "/xqueue/put_result/", "'put_result' must use HTTP POST"),
    ],
)
def test_wrong_method_405(grader_client, method, path, message):
    response = getattr(grader_client, method)(path)
    assert response.status_code == 405
    assert envelope(response) == {"return_code": 1, "content": message}


def test_wrong_method_on_public_endpoints(client):
    response = client.put("/xqueue/login/")
    assert response.status_code == 405
    assert envelope(response)["return_code"] == 1


def test_json_whatever_the_accept_header(client):
    response = client.get("/xqueue/status/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert envelope(response)["content"] == "OK"


def test_put_result_csrf_exempt_both_ways(grader):
    """put_result works without a CSRF token (old watchers) and with one (current watchers)."""
    c = Client(enforce_csrf_checks=True)
    c.get("/xqueue/login/")
    c.post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD})
    data = {"xqueue_header": "not json", "xqueue_body": "{}"}
    without = c.post("/xqueue/put_result/", data)
    assert without.status_code == 400  # reached the view: a format error, not a CSRF 403
    token = c.cookies["csrftoken"].value
    with_token = c.post("/xqueue/put_result/", data, HTTP_X_CSRFTOKEN=token, HTTP_REFERER="http://testserver/")
    assert with_token.status_code == 400
    wrong_token = c.post("/xqueue/put_result/", data, HTTP_X_CSRFTOKEN="x" * 32)
    assert wrong_token.status_code == 400


# -- the fast grader hasher --


@pytest.fixture
def grader_hasher(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher",
    ]


def test_grader_hasher_login_is_not_upgraded(client, grader_hasher):
    user = make_grader(username="fast")
    set_grader_password(user, "fast-secret")
    user.refresh_from_db()
    assert user.password.startswith(GRADER_HASHER_ALGORITHM + "$")
    assert client.post("/xqueue/login/", {"username": "fast", "password": "wrong"}).status_code == 401
    assert client.post("/xqueue/login/", {"username": "fast", "password": "fast-secret"}).status_code == 200
    user.refresh_from_db()
    # Django's authenticate() would have re-hashed it with the preferred (slow) hasher.
    assert user.password.startswith(GRADER_HASHER_ALGORITHM + "$")


def test_grader_hasher_inactive_user_refused(client, grader_hasher):
    user = make_grader(username="fast")
    set_grader_password(user, "fast-secret")
    user.is_active = False
    user.save()
    assert client.post("/xqueue/login/", {"username": "fast", "password": "fast-secret"}).status_code == 401


def test_set_grader_password_needs_the_hasher_configured(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User(username="x")
    with pytest.raises(ValueError):
        set_grader_password(user, "secret", save=False)


# -- brute-force protection --


def test_rate_limit_per_username(settings, grader):
    settings.SUBMISSIONS = {"LOGIN_RATE_LIMIT": 3, "LOGIN_RATE_WINDOW": 60}
    for n in range(3):
        c = Client(REMOTE_ADDR=f"10.0.0.{n}")
        assert c.post("/xqueue/login/", {"username": "grader", "password": "bad"}).status_code == 401
    blocked = Client(REMOTE_ADDR="10.0.0.99").post(
        "/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD}
    )
    assert blocked.status_code == 429
    assert envelope(blocked) == {"return_code": 1, "content": "Too many failed login attempts, try again later"}
    assert blocked["Retry-After"] == "60"
    # Another account is unaffected.
    make_grader(username="other")
    assert (
        Client(REMOTE_ADDR="10.0.0.99")
        .post("/xqueue/login/", {"username": "other", "password": GRADER_PASSWORD})
        .status_code
        == 200
    )


def test_rate_limit_per_address(settings, grader):
    settings.SUBMISSIONS = {"LOGIN_RATE_LIMIT": 3, "LOGIN_RATE_WINDOW": 60}
    c = Client(REMOTE_ADDR="10.1.1.1")
    for n in range(3):
        assert c.post("/xqueue/login/", {"username": f"guess{n}", "password": "bad"}).status_code == 401
    assert c.post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD}).status_code == 429
    assert (
        Client(REMOTE_ADDR="10.1.1.2")
        .post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD})
        .status_code
        == 200
    )


def test_successful_logins_are_not_limited(settings, grader):
    settings.SUBMISSIONS = {"LOGIN_RATE_LIMIT": 2, "LOGIN_RATE_WINDOW": 60}
    for _ in range(10):
        assert Client().post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD}).status_code == 200


# -- the edx-submissions 4.x drop-in --


@pytest.mark.urls("tests.projects.dropin_urls")
def test_dropin_urlconf_keeps_4x_names(client, grader):
    assert reverse("xqueue-login") == "/xqueue/login/"
    assert reverse("xqueue-put_result") == "/xqueue/put_result/"
    assert reverse("xqueue-get_submission") == "/xqueue/get_submission/"
    assert client.post(reverse("xqueue-login"), {"username": "grader", "password": GRADER_PASSWORD}).status_code == 200


@pytest.mark.urls("tests.projects.dropin_urls")
def test_dropin_legacy_redirect_points_at_its_login(client, settings):
    settings.SUBMISSIONS = {"XQUEUE_LEGACY_REDIRECT": True}
    response = client.get("/xqueue/get_submission/", {"queue_name": "q"})
    assert response.status_code == 302
    assert response["Location"] == "/xqueue/login/"


def test_4x_import_paths():
    from submissions.external_grader.views import XQueueViewSet
    from submissions.permissions import IsXQueueUser
    from submissions.views.xqueue import XQueueViewSet as Compat

    assert Compat is XQueueViewSet
    assert IsXQueueUser().has_permission(type("R", (), {"user": make_grader(username="compat")})(), None)


@pytest.mark.urls("tests.projects.prefixed_urls")
def test_any_prefix_works_and_redirects_to_its_own_login(client, grader, settings):
    assert reverse("xqueue:xqueue-login") == "/lms/xqueue/login/"
    assert client.post("/lms/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD}).status_code == 200
    settings.SUBMISSIONS = {"XQUEUE_LEGACY_REDIRECT": True}
    response = Client().get("/lms/xqueue/get_queuelen/", {"queue_name": "q"})
    assert (response.status_code, response["Location"]) == (302, "/lms/xqueue/login/")


def test_grader_check_is_remembered_for_the_interval(client, grader, settings):
    settings.SUBMISSIONS = {"GRADER_CHECK_INTERVAL": 60}
    client.post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD})
    grader.groups.clear()
    # Within the interval the session is trusted (no group query): session + user rows only, then the queue check.
    assert client.get("/xqueue/get_queuelen/", {"queue_name": ""}).status_code == 400
    settings.SUBMISSIONS = {"GRADER_CHECK_INTERVAL": 0}
    assert client.get("/xqueue/get_queuelen/", {"queue_name": ""}).status_code == 403


def test_deactivated_grader_refused_at_once_despite_the_interval(client, grader, settings):
    settings.SUBMISSIONS = {"GRADER_CHECK_INTERVAL": 3600}
    client.post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD})
    grader.is_active = False
    grader.save()
    assert client.get("/xqueue/get_queuelen/", {"queue_name": "q"}).status_code == 401
