"""A host that mounts the library the edx-submissions 4.x way: ``include("submissions.urls")`` under ``xqueue/``."""

from django.urls import include, path

urlpatterns = [
    path("xqueue/", include("submissions.urls")),
]
