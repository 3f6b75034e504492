"""URLs of the instructor host: the grader interface and the instructor API, as the README mounts them."""

from django.urls import include, path

urlpatterns = [
    path("xqueue/", include("submissions.external_grader.urls")),
    path("api/instructor/v2/", include("submissions.instructor_v2.urls")),
]
