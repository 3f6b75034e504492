"""
Grading plugins, loaded by import string.

A plugin is a class (or any callable returning an object) with a ``grade(request, sandbox)`` method that
returns the reply dict ``{"correct": bool, "score": float 0..1, "msg": html}`` (more members may be added:
the ``testcases`` plugin adds each case's result as data). The grader creates one
instance per worker, passing the options given on the command line (``--plugin-option key=value``).
The built-in plugin is ``submissions.external_grader.grader.testcases.TestCasesPlugin`` (alias
``testcases``).
"""

import dataclasses
import importlib
import json

__all__ = ["GradingRequest", "GradingPlugin", "PluginError", "load_plugin", "make_reply", "BUILTIN_PLUGINS"]

BUILTIN_PLUGINS = {"testcases": "submissions.external_grader.grader.testcases.TestCasesPlugin"}


class PluginError(Exception):
    """A plugin could not be loaded, or cannot grade this submission at all (configuration error)."""


@dataclasses.dataclass
class GradingRequest:
    """One item pulled from the queue, decoded (``xqueue_body`` members)."""

    grader_payload: str
    student_response: str
    student_info: str = "{}"
    files: dict = dataclasses.field(default_factory=dict)
    submission_id: int | None = None

    @classmethod
    def from_xqueue(cls, header, body, files):
        """Build from the decoded ``xqueue_header``/``xqueue_body``/``xqueue_files`` of ``get_submission``."""
        if not isinstance(body, dict):
            body = {"student_response": body if isinstance(body, str) else json.dumps(body)}
        payload = body.get("grader_payload", "")
        if not isinstance(payload, str):
            payload = json.dumps(payload)
        info = body.get("student_info", "{}")
        if not isinstance(info, str):
            info = json.dumps(info)
        response = body.get("student_response", "")
        if not isinstance(response, str):
            response = json.dumps(response)
        return cls(
            grader_payload=payload,
            student_response=response,
            student_info=info,
            files=files if isinstance(files, dict) else {},
            submission_id=header.get("submission_id") if isinstance(header, dict) else None,
        )


class GradingPlugin:
    """Base class (optional): plugins only need ``grade``."""

    def __init__(self, **options):
        self.options = options

    def grade(self, request, sandbox):  # pragma: no cover - interface
        raise NotImplementedError


def make_reply(correct, score, msg, **extra):
    """
    The grader reply dict, with the score clamped to 0..1. ``extra`` members (JSON values) are added: the
    server stores the whole reply and hands it to the host (``score_msg`` of the score event).
    """
    score = min(1.0, max(0.0, float(score)))
    return {**extra, "correct": bool(correct), "score": score, "msg": str(msg)}


def load_plugin(path, **options):
    """Instantiate the plugin named by ``path`` (``module.Class``, ``module:Class`` or a built-in alias)."""
    path = BUILTIN_PLUGINS.get(path, path)
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise PluginError(f"Invalid plugin import string {path!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"Could not import plugin {path!r}: {exc}") from exc
    plugin = factory(**options)
    if not callable(getattr(plugin, "grade", None)):
        raise PluginError(f"Plugin {path!r} has no grade(request, sandbox) method")
    return plugin
