"""A host that mounts the grader views and the file route itself, with no namespace at all."""

from django.urls import include, path

from submissions.external_grader.file_views import file_urlpatterns

urlpatterns = [path("q/", include(file_urlpatterns))]
