"""URLs of the core-only host: the drop-in XQueue interface, nothing else."""

from django.urls import include, path

urlpatterns = [path("xqueue/", include("submissions.external_grader.urls"))]
