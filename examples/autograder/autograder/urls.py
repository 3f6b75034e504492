"""
The site's URLs: the API (``/api/``), its schema and Swagger UI, the pages (``web``), the library's grader
interface (``/xqueue/``, used by the reference grader) and instructor API (``/api/instructor/v2/``), the admin.
"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from assignments.views import AssignmentViewSet
from classes.views import ClassViewSet
from notifications.views import NotificationViewSet

router = SimpleRouter()
router.register("classes", ClassViewSet, basename="class")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("notifications", NotificationViewSet, basename="notification")

api = [
    path("auth/", include("users.urls")),
    path("", include("coursework.urls")),
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("api/instructor/v2/", include("submissions.instructor_v2.urls")),
    path("api/", include((api, "api"))),
    path("xqueue/", include("submissions.external_grader.urls")),
    path("admin/", admin.site.urls),
    path("", include("web.urls")),
]
