"""
The URL patterns of the grader interface, built once for each URLconf that mounts them
(``submissions.external_grader.urls`` with the ``xqueue`` namespace, and the edx-submissions drop-in
``submissions.urls`` without a namespace).
"""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from submissions.external_grader.views import XQueueViewSet

__all__ = ["build_urlpatterns"]


def _file_urlpatterns():
    try:
        from submissions.external_grader.file_views import file_urlpatterns
    except ImportError:  # signed file downloads are served only once that module exists
        return []
    return list(file_urlpatterns)


def build_urlpatterns(namespace_files=False):
    """
    ``login/``, ``logout/``, ``status/``, ``get_queuelen/``, ``get_submission/``, ``put_result/`` and
    the signed file URLs (``files/<token>/``, name ``xqueue-file``). With ``namespace_files`` the file
    URLs get their own ``xqueue`` namespace, so ``reverse("xqueue:xqueue-file")`` also works in a host
    that includes the un-namespaced drop-in URLconf.
    """
    router = SimpleRouter(trailing_slash=True)
    router.register("", XQueueViewSet, basename="xqueue")
    patterns = list(router.urls)
    files = _file_urlpatterns()
    if files and namespace_files:
        patterns.append(path("", include((files, "xqueue"))))
    else:
        patterns.extend(files)
    return patterns
