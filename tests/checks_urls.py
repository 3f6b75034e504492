"""A host URLconf without the grader interface (only the instructor API): grader checks stay silent."""

from django.urls import include, path

urlpatterns = [path("api/instructor/v2/", include("submissions.instructor_v2.urls"))]
