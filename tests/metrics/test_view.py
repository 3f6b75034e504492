"""The metrics page: who may read it, its formats and methods, and the system checks of the metrics settings."""

import sys

import pytest
from django.contrib.auth.models import Permission, User
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from submissions import metrics
from tests.metrics.helpers import METRICS_ON, TOKEN, Scrape

pytestmark = pytest.mark.django_db


@pytest.fixture
def metrics_on(settings):
    settings.SUBMISSIONS = dict(METRICS_ON)
    return settings


def get(path="/metrics/", **headers):
    return Client().get(path, **headers)


def test_mounted_under_its_namespace():
    assert reverse("submissions_metrics:metrics") == "/metrics/"


def test_absent_while_metrics_are_off():
    assert get(HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


def test_a_scraper_with_a_token_reads_the_text_format(metrics_on):
    response = get(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    scrape = Scrape(response.content.decode())
    assert scrape.types["submissions_grader_hand_outs"] == "counter"
    assert scrape.value("submissions_metrics_database_up") == 1


def test_openmetrics_when_asked(metrics_on):
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    response = get(HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert response.content.decode().endswith("# EOF\n")


def test_refused_without_credentials_or_with_a_wrong_token(metrics_on):
    anonymous = get()
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="metrics"'
    wrong = get(HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.status_code == 401
    assert 'error="invalid_token"' in wrong["WWW-Authenticate"]
    assert get(HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401  # a token only as a bearer token
    assert b"submissions_" not in anonymous.content + wrong.content


def test_every_configured_token_is_accepted(metrics_on):
    metrics_on.SUBMISSIONS = {**metrics_on.SUBMISSIONS, "METRICS_TOKENS": ["old-token-being-rotated", TOKEN]}
    assert get(HTTP_AUTHORIZATION="Bearer old-token-being-rotated").status_code == 200
    assert get(HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_logged_in_users_need_the_permission(metrics_on):
    staff = User.objects.create_user("metrics-staff", is_staff=True)
    viewer = User.objects.create_user("metrics-viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_externalgraderdetail"))
    admin = User.objects.create_superuser("metrics-admin")

    def status(user):
        client = Client()
        client.force_login(user)
        return client.get("/metrics/").status_code

    assert status(staff) == 403
    assert status(viewer) == 200
    assert status(admin) == 200
    viewer.is_active = False
    viewer.save()
    assert status(viewer) == 401  # an inactive user's session is no login
    metrics_on.SUBMISSIONS = {**metrics_on.SUBMISSIONS, "METRICS_PERMISSION": None}
    assert status(admin) == 403  # tokens only


def test_read_only_methods(metrics_on):
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    assert client.head("/metrics/", **auth).status_code == 200
    assert client.post("/metrics/", **auth).status_code == 405
    assert client.delete("/metrics/", **auth).status_code == 405


def _ids():
    return sorted(message.id for message in run_checks() if message.id.startswith("submissions."))


def test_check_without_the_package(metrics_on, monkeypatch):
    """Metrics on without prometheus_client: E301 says what to install; nothing is counted; the page says 503."""
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # as if the extra were not installed
    assert not metrics.available()
    assert "submissions.E301" in _ids()
    message = next(message for message in run_checks() if message.id == "submissions.E301")
    assert "django-submissions[metrics]" in message.hint
    metrics_on.SUBMISSIONS = {**metrics_on.SUBMISSIONS}  # re-applied: the recorder falls back to the no-op one
    assert metrics.record is metrics.OFF
    response = get(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 503
    assert b"django-submissions[metrics]" in response.content


def test_check_of_wrong_types(settings):
    settings.SUBMISSIONS = {"METRICS": "yes", "METRICS_TOKENS": "one-token", "METRICS_PERMISSION": "view"}
    messages = [message for message in run_checks() if message.id == "submissions.E302"]
    assert len(messages) == 3
    settings.SUBMISSIONS = {"METRICS": True, "METRICS_TOKENS": ["", "x"]}
    assert [message.id for message in run_checks() if message.id == "submissions.E302"] == ["submissions.E302"]
    settings.SUBMISSIONS = dict(METRICS_ON)
    assert not [message for message in run_checks() if message.id.startswith(("submissions.E30", "submissions.W30"))]


def test_check_of_the_multiprocess_directory(metrics_on, monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "missing"))
    assert "submissions.W301" in _ids()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert "submissions.W301" not in _ids()
