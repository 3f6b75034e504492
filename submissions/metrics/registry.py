"""
Switching metrics on and off, and what a scrape exposes (needs prometheus_client only when metrics are on).

* :func:`configure` points :data:`submissions.metrics.record` at the Prometheus recorder or at the no-op one, and
  registers the :class:`~submissions.metrics.collector.QueueCollector` in prometheus_client's ``REGISTRY``
  (so a host's own exposition of ``REGISTRY``, django-prometheus for one, shows the queues too). The app calls
  it at start-up and whenever the ``SUBMISSIONS`` setting changes.
* :func:`scrape_registry`: ``REGISTRY`` in a single process; in prometheus_client's multiprocess mode
  (``PROMETHEUS_MULTIPROC_DIR`` set, e.g. under gunicorn), a registry that adds up every process's files, with
  the queue collector beside it (``docs/metrics.rst``).
* :func:`render`: the exposition in the format the scraper asked for (text, or OpenMetrics).
"""

import os
import threading

from submissions import metrics

__all__ = ["configure", "on_setting_changed", "multiprocess_mode", "scrape_registry", "render"]

_lock = threading.Lock()
_collector = None
_multiprocess_registry = None


def configure():
    """Apply ``SUBMISSIONS["METRICS"]``: count into Prometheus metrics when it is on (and they import), else not."""
    global _collector
    if not metrics.enabled():
        metrics.record = metrics.OFF
        return metrics.record
    from prometheus_client import REGISTRY

    from submissions.metrics import prometheus
    from submissions.metrics.collector import QueueCollector

    with _lock:
        if _collector is None:
            _collector = QueueCollector()
            REGISTRY.register(_collector)
    metrics.record = prometheus.recorder()
    return metrics.record


def on_setting_changed(setting, **kwargs):
    """``setting_changed`` receiver: metrics follow ``SUBMISSIONS`` (``override_settings`` in tests)."""
    if setting == "SUBMISSIONS":
        configure()


def multiprocess_mode():
    """Whether prometheus_client keeps its values in files shared by processes (``PROMETHEUS_MULTIPROC_DIR``)."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def scrape_registry():
    """The registry a scrape of this process exposes (see the module's docstring)."""
    global _multiprocess_registry
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    from submissions.metrics.collector import QueueCollector

    if not multiprocess_mode():
        return REGISTRY
    with _lock:
        if _multiprocess_registry is None:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            registry.register(QueueCollector())
            _multiprocess_registry = registry
    return _multiprocess_registry


def render(accept=None):
    """``(body, content type)`` of a scrape, in the format ``accept`` (the request's Accept header) asks for."""
    from prometheus_client.exposition import choose_encoder

    encoder, content_type = choose_encoder(accept or "")
    return encoder(scrape_registry()), content_type
