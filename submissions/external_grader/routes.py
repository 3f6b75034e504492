"""
The URL patterns of the grader interface, built once for each URLconf that mounts them
(``submissions.external_grader.urls`` with the ``xqueue`` namespace, and the edx-submissions drop-in
``submissions.urls`` without a namespace).
"""

from rest_framework.routers import SimpleRouter

from submissions.external_grader.views import XQueueViewSet

__all__ = ["build_urlpatterns"]


def build_urlpatterns():
    """``login/``, ``logout/``, ``status/``, ``get_queuelen/``, ``get_submission/``, ``put_result/`` and file URLs."""
    router = SimpleRouter(trailing_slash=True)
    router.register("", XQueueViewSet, basename="xqueue")
    patterns = list(router.urls)
    try:
        from submissions.external_grader.file_views import file_urlpatterns
    except ImportError:  # the signed file downloads are optional until that module exists
        file_urlpatterns = []
    patterns.extend(file_urlpatterns)
    return patterns
