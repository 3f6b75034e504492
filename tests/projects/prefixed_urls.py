"""A host that serves the LMS under a sub-path: the grader interface at ``/lms/xqueue/``."""

from django.urls import include, path

urlpatterns = [
    path("lms/xqueue/", include("submissions.external_grader.urls")),
]
