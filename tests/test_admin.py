"""The admin of the core models: pages render, search works, history stays read-only."""

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from submissions import api, team_api
from submissions.models import Score, ScoreAnnotation, ScoreSummary, StudentItem, Submission, TeamSubmission

pytestmark = pytest.mark.django_db

CORE_MODELS = (StudentItem, Submission, TeamSubmission, Score, ScoreSummary, ScoreAnnotation)


@pytest.fixture
def staff(client, user_factory):
    user = user_factory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def data(user_factory):
    item = {"student_id": "anon-ünï", "course_id": "course-v1:A+B+C", "item_id": "item-1", "item_type": "ora"}
    submission = api.create_submission(item, {"text": "<script>alert('x')</script> naïve"})
    api.set_score(submission["uuid"], 3, 4, "staff-anon", "staff_override", "fair")
    team = team_api.create_submission_for_team("course-v1:A+B+C", "team-item", "team-1", user_factory().pk, ["m1"], "t")
    return {"item": item, "submission": submission, "team": team}


def url(model, view="changelist", *args):
    return reverse(f"admin:submissions_{model._meta.model_name}_{view}", args=args)


def test_every_core_model_is_registered():
    for model in CORE_MODELS:
        assert model in site._registry


def test_the_grader_admin_is_registered_too():
    from submissions.models import ExternalGraderDetail

    assert ExternalGraderDetail in site._registry


@pytest.mark.parametrize("model", CORE_MODELS, ids=lambda model: model.__name__)
def test_changelist_and_change_pages_render(staff, data, model):
    response = staff.get(url(model))
    assert response.status_code == 200
    obj = model._base_manager.order_by("pk").first()
    response = staff.get(url(model, "change", obj.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("model", CORE_MODELS, ids=lambda model: model.__name__)
def test_history_cannot_be_added_or_deleted(staff, data, model):
    assert staff.get(url(model, "add")).status_code == 403
    obj = model._base_manager.order_by("pk").first()
    assert staff.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model._base_manager.filter(pk=obj.pk).exists()


def test_submission_change_page_shows_the_answer_read_only_and_escaped(staff, data):
    submission = Submission.objects.get(uuid=data["submission"]["uuid"])
    response = staff.post(url(Submission, "change", submission.pk), {"status": "D", "answer": '"hacked"'})
    assert response.status_code == 403
    submission.refresh_from_db()
    assert (submission.status, submission.answer["text"]) == ("A", "<script>alert('x')</script> naïve")
    page = staff.get(url(Submission, "change", submission.pk)).content.decode()
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert "3/4" in page


@pytest.mark.parametrize(
    ("model", "term", "expected"),
    [
        (StudentItem, "anon-ünï", 1),
        (StudentItem, "course-v1:A+B+C", 2),
        (Submission, "anon-ünï", 1),
        (Submission, "item-1", 1),
        (Submission, "nobody", 0),
        (Submission, "not-a-uuid", 0),
        (Score, "anon-ünï", 1),
        (ScoreSummary, "item-1", 1),
        (TeamSubmission, "team-1", 1),
        (ScoreAnnotation, "staff-anon", 1),
    ],
)
def test_search(staff, data, model, term, expected):
    response = staff.get(url(model), {"q": term})
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected


def test_search_submission_by_uuid(staff, data):
    response = staff.get(url(Submission), {"q": data["submission"]["uuid"]})
    assert response.context["cl"].result_count == 1


def test_soft_deleted_rows_stay_visible(staff, data):
    api.reset_score("anon-ünï", "course-v1:A+B+C", "item-1", clear_state=True)
    response = staff.get(url(Submission), {"status__exact": "D"})
    assert response.context["cl"].result_count == 1


def test_reset_action_goes_through_the_service(staff, data):
    item = StudentItem.objects.get(student_id="anon-ünï")
    response = staff.post(
        url(StudentItem),
        {"action": "reset_scores_and_clear_state", "_selected_action": [item.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert api.get_score(data["item"]) is None
    assert Submission.objects.filter(student_item=item).count() == 0
    assert Score.objects.filter(student_item=item, reset=True).count() == 1


def test_non_staff_cannot_see_the_admin(client, data, user_factory):
    client.force_login(user_factory(username="learner"))
    assert client.get(url(Submission)).status_code == 302
