"""
Grader sessions. Each request's session user (``authentication.load_session_user``): two hand-written
statements when Django's stock parts are in use, and
Django's own ``get_user`` in every case that path does not know, with the same outcome as Django's.
The session a login opens (``login.open_session``): one row written once for a fresh client, by one
statement (``sessions``) where the backend allows; flushed or rotated as Django does for any other session.
"""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from submissions.external_grader import sessions
from tests.external_grader.xqueue.conftest import GRADER_PASSWORD, envelope

pytestmark = pytest.mark.django_db

QUEUELEN = ("/xqueue/get_queuelen/", {"queue_name": "q"})


def logged_in_client(username="grader"):
    client = Client()
    response = client.post("/xqueue/login/", {"username": username, "password": GRADER_PASSWORD})
    assert response.status_code == 200, response.content
    return client


def statements(captured):
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT"))]


def test_stock_parts_read_session_and_user_once_each(grader, settings):
    settings.SUBMISSIONS = {"GRADER_CHECK_INTERVAL": 60}
    client = logged_in_client()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(*QUEUELEN)
    assert response.status_code == 404  # an authenticated grader; "q" is an unknown queue
    reads = statements(captured)
    assert sum("django_session" in sql for sql in reads) == 1
    assert sum('FROM "auth_user"' in sql or "FROM `auth_user`" in sql for sql in reads) == 1
    # Django's ORM lookup (get() adds LIMIT 21) was not used.
    assert not any("LIMIT 21" in sql for sql in reads)


@pytest.fixture(params=["first request", "session seen before"])
def seen(request):
    """Run a test's checks on a session this process has not used yet, and on one it has."""
    return request.param == "session seen before"


def use_once(client, seen):
    if seen:
        assert client.get(*QUEUELEN).status_code == 404


def test_password_change_ends_the_session(grader):
    client = logged_in_client()
    assert client.get(*QUEUELEN).status_code == 404
    grader.set_password("a new password")
    grader.save()
    response = client.get(*QUEUELEN)
    assert response.status_code == 401
    assert envelope(response)["content"] == "login_required"
    # Django flushed the session: its row is gone.
    assert not Session.objects.filter(session_key=client.cookies["sessionid"].value).exists()


def test_rotated_secret_key_keeps_sessions_through_the_fallbacks(grader, settings):
    client, stale = logged_in_client(), logged_in_client()
    before = client.cookies["sessionid"].value
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert client.get(*QUEUELEN).status_code == 404
    assert client.cookies["sessionid"].value != before  # Django moved the session to a new key
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get(*QUEUELEN).status_code == 404  # now signed with the new secret
    assert stale.get(*QUEUELEN).status_code == 401  # not used while the old secret was a fallback


def test_expired_session_is_anonymous(grader, seen):
    client = logged_in_client()
    use_once(client, seen)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(*QUEUELEN).status_code == 401


def test_deleted_or_deactivated_user_is_anonymous(grader, seen):
    client = logged_in_client()
    use_once(client, seen)
    grader.is_active = False
    grader.save(update_fields=["is_active"])
    assert client.get(*QUEUELEN).status_code == 401
    grader.is_active = True
    grader.save(update_fields=["is_active"])
    client = logged_in_client()
    use_once(client, seen)
    grader.delete()
    assert client.get(*QUEUELEN).status_code == 401


def test_tampered_session_data_is_anonymous(grader, seen):
    client = logged_in_client()
    use_once(client, seen)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(session_data="e30:bad:signature")
    assert client.get(*QUEUELEN).status_code == 401


def test_unknown_backend_in_the_session_is_anonymous(grader, seen):
    client = logged_in_client()
    use_once(client, seen)
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    store = Client().session.__class__(session.session_key)
    store["_auth_user_backend"] = "somewhere.NotConfiguredBackend"
    store.save()
    assert client.get(*QUEUELEN).status_code == 401


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.cached_db", "django.contrib.sessions.backends.signed_cookies"],
)
def test_other_session_engines_use_djangos_path(grader, settings, engine):
    settings.SESSION_ENGINE = engine
    client = logged_in_client()
    assert client.get(*QUEUELEN).status_code == 404
    grader.set_password("changed")
    grader.save()
    assert client.get(*QUEUELEN).status_code == 401


def test_custom_user_manager_queryset_is_respected(grader, monkeypatch):
    """A default manager that hides rows is the host's rule: the fast path steps aside for it."""
    from django.contrib.auth.models import User, UserManager

    class HidingManager(UserManager):
        def get_queryset(self):
            return super().get_queryset().exclude(username="grader")

    client = logged_in_client()
    manager = HidingManager()
    manager.model = User
    monkeypatch.setitem(User._meta.__dict__, "default_manager", manager)  # what User._default_manager returns
    assert client.get(*QUEUELEN).status_code == 401


# -- the session a login opens (login.open_session) --


def session_writes(captured):
    return [
        sql.split()[0]
        for sql in statements(captured)
        if "django_session" in sql and sql.split()[0] in ("INSERT", "UPDATE", "DELETE")
    ]


def test_fresh_client_login_writes_its_session_row_once(grader, settings):
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD})
    assert response.status_code == 200
    assert session_writes(captured) == ["INSERT"]
    one_statement = connection.vendor in sessions.VENDORS
    # No query for a free key, no transaction around the INSERT (Django's create() has both); last_login's
    # UPDATE needs no transaction of its own either.
    assert sum("django_session" in sql for sql in statements(captured)) == (1 if one_statement else 2)
    blocks = sum(q["sql"].startswith(("BEGIN", "SAVEPOINT")) for q in captured.captured_queries)
    assert blocks == (0 if one_statement else 1)
    cookie = client.cookies["sessionid"]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE and cookie["httponly"]  # the middleware's cookie
    # Signed as Django's stock store signs: any process reads the row as its own.
    assert Session.objects.get(session_key=cookie.value).get_decoded()["_auth_user_id"] == str(grader.pk)
    assert client.get(*QUEUELEN).status_code == 404  # authenticated


def test_a_taken_session_key_is_not_overwritten(grader):
    expiry = timezone.now() + datetime.timedelta(days=1)
    if connection.vendor not in sessions.VENDORS:
        pytest.skip("Django's own create() makes the session row on this backend")
    assert sessions.insert_session("k" * 32, "first", expiry)
    assert not sessions.insert_session("k" * 32, "second", expiry)
    assert Session.objects.get(session_key="k" * 32).session_data == "first"


def test_login_over_another_users_session_gets_a_new_session(grader):
    from django.contrib.auth.models import User

    other = User.objects.create_user("someone-else", password="pw")
    client = Client()
    client.force_login(other)
    old_key = client.cookies["sessionid"].value
    response = client.post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD})
    assert response.status_code == 200
    new_key = client.cookies["sessionid"].value
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert Session.objects.get(session_key=new_key).get_decoded()["_auth_user_id"] == str(grader.pk)


def test_login_with_an_anonymous_session_rotates_its_key(grader, settings):
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["note"] = "set before logging in"
    store.save()
    client = Client()
    client.cookies["sessionid"] = store.session_key
    response = client.post("/xqueue/login/", {"username": "grader", "password": GRADER_PASSWORD})
    assert response.status_code == 200
    new_key = client.cookies["sessionid"].value
    assert new_key != store.session_key  # no session fixation
    data = Session.objects.get(session_key=new_key).get_decoded()
    assert data["note"] == "set before logging in" and data["_auth_user_id"] == str(grader.pk)
