"""Reading the metrics page as Prometheus does: the exposition parsed by prometheus_client's own parser."""

import pytest

pytest.importorskip("prometheus_client", reason="the [metrics] extra is not installed")

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

TOKEN = "scrape-token-for-tests-0123456789"
METRICS_ON = {"METRICS": True, "METRICS_TOKENS": [TOKEN]}


class Scrape:
    """One scrape: every sample, by name and labels."""

    def __init__(self, text):
        self.text = text
        self.samples = {}
        self.types = {}
        for family in text_string_to_metric_families(text):
            self.types[family.name] = family.type
            for sample in family.samples:
                self.samples[sample.name, frozenset(sample.labels.items())] = sample.value

    def value(self, name, **labels):
        """The sample's value; 0 when the series does not exist (yet)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def series(self, name):
        """``[labels dict]`` of every sample named ``name``."""
        return [dict(labels) for sample_name, labels in self.samples if sample_name == name]

    def __sub__(self, earlier):
        """``{(name, labels): increase}`` of every sample that changed since ``earlier``."""
        return {
            key: value - earlier.samples.get(key, 0.0)
            for key, value in self.samples.items()
            if value != earlier.samples.get(key, 0.0)
        }


def scrape_client(client, token=TOKEN, path="/metrics/"):
    """Scrape with a Django test client."""
    response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/plain"), response["Content-Type"]
    return Scrape(response.content.decode())


def scrape_url(url, token=TOKEN, timeout=10):
    """Scrape a live server over HTTP."""
    import requests

    response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
    assert response.status_code == 200, response.text[:500]
    return Scrape(response.text)


def increases(after, before, name, *keys, **fixed):
    """
    ``{label values of keys: increase}`` of the samples ``name`` that changed between two scrapes and carry the
    labels ``fixed`` (one key: its value alone, several: a tuple).
    """
    found = {}
    for (sample, labels), value in (after - before).items():
        labels = dict(labels)
        if sample != name or any(labels.get(label) != wanted for label, wanted in fixed.items()):
            continue
        values = tuple(labels[key] for key in keys)
        found[values[0] if len(values) == 1 else values] = value
    return found
