"""
The OpenAPI 3 schema of the instructor API, generated from the views by drf-spectacular and served by
the library (``schema``), with a Swagger UI page (``swagger_ui``).

Only this API's endpoints are included, at the paths where the host mounted them. The Swagger UI page
uses the assets of ``drf-spectacular-sidecar`` (offline) when that app is installed, else the CDN default.
"""

from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

__all__ = ["InstructorSchemaGenerator", "InstructorSchemaView", "InstructorSwaggerView", "SCHEMA_SETTINGS"]

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
}


def _sidecar_settings():
    if "drf_spectacular_sidecar" in settings.INSTALLED_APPS:
        return {"SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR"}
    return {}


class InstructorSchemaGenerator(SchemaGenerator):
    """Keeps only the endpoints of the instructor API, wherever the host mounted it."""

    def _initialise_endpoints(self):
        from submissions.instructor_v2.views import InstructorAPIView

        super()._initialise_endpoints()
        self.endpoints = [
            endpoint
            for endpoint in self.endpoints
            if isinstance(getattr(endpoint[3], "cls", None), type) and issubclass(endpoint[3].cls, InstructorAPIView)
        ]


class InstructorSchemaView(SpectacularAPIView):
    generator_class = InstructorSchemaGenerator
    custom_settings = SCHEMA_SETTINGS
    authentication_classes = []
    permission_classes = []


class InstructorSwaggerView(SpectacularSwaggerView):
    url_name = "instructor_api_v2:schema"
    title = SCHEMA_SETTINGS["TITLE"]
    authentication_classes = []
    permission_classes = []

    def get(self, request, *args, **kwargs):
        from drf_spectacular.settings import patched_settings

        with patched_settings(_sidecar_settings()):
            return super().get(request, *args, **kwargs)
