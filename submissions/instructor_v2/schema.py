"""
The OpenAPI 3 schema of the instructor API, generated from the views by drf-spectacular and served by the
library (``schema``), and a Swagger UI page for it (``swagger_ui``).

Only this API's endpoints are in the schema, at the paths where the host mounted them: drf-spectacular's
public ``PREPROCESSING_HOOKS`` setting, given to this view alone through ``custom_settings``, keeps them. The
Swagger UI page is rendered by a template engine of its own (as Django's debug pages are), so it needs no
template setting of the host and not ``drf_spectacular`` in ``INSTALLED_APPS``; it loads the assets of
``drf-spectacular-sidecar`` (offline) when that app is installed, else from a CDN.
"""

from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import Context, Engine
from django.templatetags.static import static
from django.urls import reverse
from django.views import View
from drf_spectacular.views import SpectacularAPIView

from submissions.instructor_v2 import openapi  # noqa: F401  (describes the views' operations)
from submissions.instructor_v2.views import InstructorAPIView

__all__ = ["InstructorSchemaView", "InstructorSwaggerView", "SCHEMA_SETTINGS", "instructor_endpoints_only"]

SCHEMA_SETTINGS = {
    "TITLE": "Instructor Grading API",
    "DESCRIPTION": (
        "Reset attempts, rescore, override scores and delete learner state for one learner (synchronous) or "
        "all learners (background tasks with progress). Errors use the Error schema."
    ),
    "VERSION": "2.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/instructor/v2",
    "SCHEMA_PATH_PREFIX_TRIM": False,
    "COMPONENT_SPLIT_REQUEST": False,
    "PREPROCESSING_HOOKS": ["submissions.instructor_v2.schema.instructor_endpoints_only"],
}

#: Swagger UI from a CDN, for hosts without drf-spectacular-sidecar in INSTALLED_APPS.
SWAGGER_UI_CDN = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"
SIDECAR = "drf_spectacular_sidecar/swagger-ui-dist"

_ENGINE = Engine(dirs=[str(Path(__file__).resolve().parent / "templates")])


def instructor_endpoints_only(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: keep the endpoints served by this API's views."""
    return [
        (path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
        if isinstance(getattr(callback, "cls", None), type) and issubclass(callback.cls, InstructorAPIView)
    ]


class InstructorSchemaView(SpectacularAPIView):
    custom_settings = SCHEMA_SETTINGS
    authentication_classes = []
    permission_classes = []


def _asset_urls():
    sidecar = "drf_spectacular_sidecar" in settings.INSTALLED_APPS

    def url(name):
        return static(f"{SIDECAR}/{name}") if sidecar else f"{SWAGGER_UI_CDN}/{name}"

    return {
        "bundle": url("swagger-ui-bundle.js"),
        "preset": url("swagger-ui-standalone-preset.js"),
        "css": url("swagger-ui.css"),
        "favicon": url("favicon-32x32.png"),
    }


class InstructorSwaggerView(View):
    """The Swagger UI page of the schema served by :class:`InstructorSchemaView`."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        context = Context(
            {
                "title": SCHEMA_SETTINGS["TITLE"],
                "assets": _asset_urls(),
                "schema_url": reverse("instructor_api_v2:schema"),
                "csrf_header": settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-"),
                "csrf_token": get_token(request),
            }
        )
        html = _ENGINE.get_template("submissions_instructor/swagger_ui.html").render(context)
        return HttpResponse(html)
