"""edx-submissions 4.x import path of the grader interface: ``from submissions.views.xqueue import XQueueViewSet``."""

from submissions.external_grader.views import XQueueViewSet

__all__ = ["XQueueViewSet"]
