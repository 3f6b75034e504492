"""
URLs of edx-submissions 4.x, for hosts that mount the library the old way::

    path("xqueue/", include("submissions.urls"))

The same paths and URL names as 4.x (``xqueue-login``, ``xqueue-put_result``, ...). Like 4.x this
URLconf sets no ``app_name``, so ``reverse("xqueue-login")`` keeps working in such hosts (ADR 0008).
New hosts should include ``submissions.external_grader.urls`` (namespace ``xqueue``) instead.
"""

from submissions.external_grader.routes import build_urlpatterns

urlpatterns = build_urlpatterns(namespace_files=True)
