"""
factory_boy factories for test *setup* only; tests exercise behaviour through the services and the
public API. Exposed as pytest fixtures in ``tests/conftest.py``.
"""

import factory
from django.contrib.auth import get_user_model

from submissions.models import Score, StudentItem, Submission, TeamSubmission

__all__ = ["UserFactory", "StudentItemFactory", "SubmissionFactory", "TeamSubmissionFactory", "ScoreFactory"]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("password")


class StudentItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudentItem

    student_id = factory.Sequence(lambda n: f"student{n}")
    course_id = "course-v1:edX+Demo+2026"
    item_id = factory.Sequence(lambda n: f"block-v1:edX+Demo+2026+type@openassessment+block@item{n}")
    item_type = "openassessment"


class TeamSubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamSubmission

    attempt_number = 1
    course_id = "course-v1:edX+Demo+2026"
    item_id = factory.Sequence(lambda n: f"team-item{n}")
    team_id = factory.Sequence(lambda n: f"team{n}")
    submitted_by = factory.SubFactory(UserFactory)


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    student_item = factory.SubFactory(StudentItemFactory)
    attempt_number = 1
    answer = factory.Sequence(lambda n: {"text": f"answer {n}"})


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Score

    submission = factory.SubFactory(SubmissionFactory)
    student_item = factory.LazyAttribute(lambda score: score.submission.student_item)
    points_earned = 1
    points_possible = 2
