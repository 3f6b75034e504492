"""
URLs of the metrics page, mounted by the host where its scraper expects it::

    path("metrics/", include("submissions.metrics.urls"))

URL name (namespace ``submissions_metrics``): ``submissions_metrics:metrics``. See ``docs/metrics.rst``.
"""

from django.urls import path

from submissions.metrics.views import metrics_view

app_name = "submissions_metrics"

urlpatterns = [path("", metrics_view, name="metrics")]
