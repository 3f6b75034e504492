"""
URLs of the instructor API. The host mounts them at ``api/instructor/v2/``:
``path("api/instructor/v2/", include("submissions.instructor_v2.urls"))`` (namespace ``instructor_api_v2``).

Keys may contain ``+ : @`` raw; legacy ``Org/Course/Run`` course keys and ``i4x://`` usage keys match too.
The schema and its Swagger UI page need drf-spectacular (the ``[instructor]`` extra); without it they are
left out, so that ``manage.py check`` can say so (``submissions_instructor.E004``) instead of failing to
import this module.
"""

from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from submissions.instructor_v2 import views
from submissions.instructor_v2.compat import HAS_DRF_SPECTACULAR
from submissions.instructor_v2.exceptions import not_found_view

app_name = "instructor_api_v2"

COURSE = r"(?P<course_key>[^/]+|[^/]+/[^/]+/[^/]+)"
USAGE = r"[^/]+|i4x:/+[^/]+/[^/]+/[^/]+/[^/]+"
BASE = rf"^courses/{COURSE}"


def _lazy(view_name):
    """
    The view ``schema.<view_name>``, imported on its first request: drf-spectacular brings django.test and jinja2
    (110 ms of CPU), which every fresh worker of the host would otherwise import while loading the URLconf for
    its first request, whatever it is (a grader's login among them, ADR 0051).
    """

    @csrf_exempt
    def view(request, *args, **kwargs):
        from submissions.instructor_v2 import schema

        return getattr(schema, view_name).as_view()(request, *args, **kwargs)

    view.__name__ = view.__qualname__ = view_name
    return view


urlpatterns = []
if HAS_DRF_SPECTACULAR:
    urlpatterns += [
        re_path(r"^schema/?$", _lazy("InstructorSchemaView"), name="schema"),
        re_path(r"^docs/?$", _lazy("InstructorSwaggerView"), name="swagger_ui"),
    ]
urlpatterns += [
    re_path(rf"{BASE}/learners/(?P<email_or_username>[^/]+)$", views.LearnerView.as_view(), name="learner_detail"),
    re_path(rf"{BASE}/problems/(?P<location>{USAGE})$", views.ProblemView.as_view(), name="problem_detail"),
    re_path(rf"{BASE}/grading-config$", views.GradingConfigView.as_view(), name="grading_config"),
    re_path(rf"{BASE}/tasks/(?P<task_id>[^/]+)$", views.TaskStatusView.as_view(), name="task_status"),
    re_path(
        rf"{BASE}/(?P<problem>{USAGE})/grading/attempts/reset$",
        views.ResetAttemptsView.as_view(),
        name="reset_attempts",
    ),
    re_path(rf"{BASE}/(?P<problem>{USAGE})/grading/state$", views.DeleteStateView.as_view(), name="delete_state"),
    re_path(rf"{BASE}/(?P<problem>{USAGE})/grading/scores/rescore$", views.RescoreView.as_view(), name="rescore"),
    re_path(rf"{BASE}/(?P<problem>{USAGE})/grading/scores$", views.ScoreOverrideView.as_view(), name="score_override"),
    re_path(r"^.*$", not_found_view, name="not_found"),
]
