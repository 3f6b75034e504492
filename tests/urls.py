"""URLs of the test host project: the library mounted the way an LMS mounts it."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("xqueue/", include("submissions.external_grader.urls")),
    path("api/instructor/v2/", include("submissions.instructor_v2.urls")),
    path("metrics/", include("submissions.metrics.urls")),
]
