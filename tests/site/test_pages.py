"""The server-rendered pages: signed in only (but the login page), and the student's and teacher's paths."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.site.conftest import PYTHON_SUM


def _web_paths():
    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver) and getattr(pattern, "app_name", None) == "web":
            for inner in pattern.url_patterns:
                assert isinstance(inner, URLPattern)
                yield inner.name, "/" + str(inner.pattern).replace("<int:pk>", "1")


@pytest.mark.django_db
def test_every_page_but_login_needs_a_signed_in_user(client):
    paths = dict(_web_paths())
    assert {"login", "home", "class", "assignment", "question", "submission", "notifications"} <= set(paths)
    for name, path in paths.items():
        response = client.get(path)
        if name == "login":
            assert response.status_code == 200
        elif name == "logout":
            assert response.status_code == 405  # POST only
        else:
            assert response.status_code == 302 and response["Location"].startswith("/login/?next="), name


@pytest.mark.django_db
def test_sign_in_page_signs_in(client, make_user):
    make_user("dora", password="Pass-word-77")
    response = client.post("/login/", {"username": "dora", "password": "Pass-word-77"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "dora (student)" in client.get("/").content.decode()
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_student_joins_submits_and_sees_results(client, people, course, grade_in_queue):
    from coursework.models import Submission

    client.force_login(people["other_student"])
    wrong = client.post("/", {"join_code": "NOPE"}, follow=True)
    assert "No class has this join code." in wrong.content.decode()
    joined = client.post("/", {"join_code": course["class"].join_code.lower()}, follow=True)
    assert f"You joined {course['class'].name}" in joined.content.decode()
    question = course["question"]
    page = client.get(f"/questions/{question.pk}/").content.decode()
    assert question.prompt in page and "1 2 3" in page and 'name="code"' in page
    response = client.post(f"/questions/{question.pk}/", {"code": PYTHON_SUM, "action": "submit"})
    submission = Submission.objects.get(student=people["other_student"])
    assert response["Location"] == f"/submissions/{submission.pk}/"
    waiting = client.get(f"/submissions/{submission.pk}/results/").content.decode()
    assert 'data-final="0"' in waiting and "queued" in waiting
    grade_in_queue(passed=(True, True, False))
    done = client.get(f"/submissions/{submission.pk}/results/").content.decode()
    assert 'data-final="1"' in done and "graded" in done
    assert "once your teacher publishes it" in done and "7/10" not in done


def test_teacher_grades_and_publishes_from_the_pages(client, people, course, graded_submission):
    from notifications.models import Notification

    client.force_login(people["owner"])
    klass_page = client.get(f"/classes/{course['class'].pk}/").content.decode()
    assert course["class"].join_code in klass_page and "student@example.com" in klass_page
    table = client.get(f"/assignments/{course['assignment'].pk}/").content.decode()
    assert "7/10" in table and "graded" in table
    url = f"/submissions/{graded_submission.pk}/"
    bad = client.post(url, {"action": "grade", "points": "11", "comment": ""}, follow=True).content.decode()
    assert "less than or equal to 10" in bad
    saved = client.post(url, {"action": "grade", "points": "9", "comment": "Nice work"}, follow=True)
    assert "Grade saved" in saved.content.decode() and "9/10" in saved.content.decode()
    published = client.post(url, {"action": "publish"}, follow=True).content.decode()
    assert "Grade published." in published
    note = Notification.objects.get(recipient=people["student"], kind="grade_published")
    client.force_login(people["student"])
    assert "9/10" in client.get(url).content.decode() and "Nice work" in client.get(url).content.decode()
    listing = client.get("/notifications/").content.decode()
    assert note.message in listing
    opened = client.post("/notifications/", {"id": note.pk})
    assert opened["Location"] == url
    note.refresh_from_db()
    assert note.read


def test_pages_refuse_what_the_api_refuses(client, people, course, graded_submission):
    client.force_login(people["other_teacher"])
    assert client.get(f"/classes/{course['class'].pk}/").status_code == 404
    assert client.get(f"/submissions/{graded_submission.pk}/").status_code == 404
    client.force_login(people["student"])
    page = client.post(f"/submissions/{graded_submission.pk}/", {"action": "publish"})
    assert page.status_code == 403
    graded_submission.refresh_from_db()
    assert not graded_submission.published
    course["assignment"].close()
    course["assignment"].save()
    refused = client.post(f"/questions/{course['question'].pk}/", {"code": PYTHON_SUM, "action": "submit"})
    assert "This assignment is closed." in refused.content.decode()


@pytest.mark.django_db
def test_the_sites_migrations_match_its_models():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_admin_shows_every_model_of_the_site(client, make_user, graded_submission):
    from django.contrib import admin

    client.force_login(make_user("root", "teacher", superuser=True))
    apps = ("users", "classes", "assignments", "coursework", "notifications")
    site_models = [model for model in admin.site._registry if model._meta.app_label in apps]
    assert len(site_models) == 7
    for model in site_models:
        meta = model._meta
        assert client.get(f"/admin/{meta.app_label}/{meta.model_name}/").status_code == 200, meta.label
        first = model.objects.first()
        if first is not None:
            assert client.get(f"/admin/{meta.app_label}/{meta.model_name}/{first.pk}/change/").status_code == 200
