import django_filters

from .models import Submission


class SubmissionFilter(django_filters.FilterSet):
    assignment = django_filters.NumberFilter(field_name="assignment_id")
    question = django_filters.NumberFilter(field_name="question_id")
    student = django_filters.NumberFilter(field_name="student_id")
    published = django_filters.BooleanFilter()

    class Meta:
        model = Submission
        fields = ["assignment", "question", "student", "published"]
