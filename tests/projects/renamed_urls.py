"""A host that mounts the grader URLs under an instance namespace of its own (``grading``)."""

from django.urls import include, path

urlpatterns = [path("grading/xqueue/", include("submissions.external_grader.urls", namespace="grading"))]
