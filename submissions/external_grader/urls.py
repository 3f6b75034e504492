"""
URLs of the XQueue-compatible grader interface.

Mount them where xqueue-watcher expects them, ``xqueue/`` directly under its ``SERVER`` URL::

    path("xqueue/", include("submissions.external_grader.urls"))

URL names (namespace ``xqueue``): ``xqueue:xqueue-login``, ``xqueue-logout``, ``xqueue-get_submission``,
``xqueue-put_result``, ``xqueue-get_queuelen``, ``xqueue-status`` and, for signed file downloads,
``xqueue-file``. Every path ends with ``/``; there are no format-suffix routes.
"""

from submissions.external_grader.routes import build_urlpatterns

app_name = "xqueue"

urlpatterns = build_urlpatterns()
