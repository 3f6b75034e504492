"""A host that nests the drop-in URLconf in a namespace of its own: the file route is ``lms:xqueue:xqueue-file``."""

from django.urls import include, path

lms_patterns = [path("xqueue/", include("submissions.urls"))]

urlpatterns = [path("lms/", include((lms_patterns, "lms")))]
