"""URLs of the demo site: the library's XQueue interface, the instructor API, the admin, DRF's login."""

from autograder import views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", views.results, name="results"),
    path("feedback/<int:submission_id>/", views.feedback, name="feedback"),
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls")),
    path("xqueue/", include("submissions.external_grader.urls")),
]
if settings.INSTRUCTOR_API:
    urlpatterns.append(path("api/instructor/v2/", include("submissions.instructor_v2.urls")))
