"""URLs of the tutorial project: the admin, and the grader (XQueue) interface at ``xqueue/``."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("xqueue/", include("submissions.external_grader.urls")),
]
