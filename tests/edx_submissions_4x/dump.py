"""
Run on either side of the upgrade (edx-submissions 4.0.2, or this library after ``migrate``): execute the read
calls of a manifest through the installed ``submissions.api``/``team_api``, dump every row of every 4.x model
(4.x field names, soft-deleted rows included, file contents), and write it all as JSON:
``python dump.py manifest.json result.json``.

Standalone script: it must run unchanged against both packages.
"""

import datetime
import decimal
import json
import sys
import uuid

import django

django.setup()

from submissions import api, models, team_api  # noqa: E402

MODULES = {"api": api, "team_api": team_api}

# The 4.x columns of every model (what a 4.x database holds; our additions are not compared).
FIELDS = {
    "StudentItem": ["id", "student_id", "course_id", "item_id", "item_type"],
    "TeamSubmission": [
        "id",
        "uuid",
        "created",
        "modified",
        "attempt_number",
        "submitted_at",
        "course_id",
        "item_id",
        "team_id",
        "submitted_by_id",
        "status",
    ],
    "Submission": [
        "id",
        "uuid",
        "student_item_id",
        "attempt_number",
        "submitted_at",
        "created_at",
        "answer",
        "status",
        "team_submission_id",
    ],
    "Score": ["id", "student_item_id", "submission_id", "points_earned", "points_possible", "created_at", "reset"],
    "ScoreSummary": ["id", "student_item_id", "highest_id", "latest_id"],
    "ScoreAnnotation": ["id", "score_id", "annotation_type", "creator", "reason"],
    "ExternalGraderDetail": [
        "id",
        "submission_id",
        "queue_name",
        "queue_key",
        "grader_file_name",
        "points_possible",
        "status",
        "pullkey",
        "grader_reply",
        "status_time",
        "created_at",
        "num_failures",
    ],
    "SubmissionFile": ["id", "uuid", "external_grader_id", "file", "original_filename", "created_at"],
}


def plain(value):
    """JSON-able form of a table value (datetimes as ISO strings in UTC, UUIDs as hyphenated strings)."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    return value


def typed(value):
    """
    JSON form of an API result that keeps every type: the 4.x contract is the type as well as the value.

    JSON scalars (None, bool, int, float, str) stand for themselves; anything else is ``{"$<type>": ...}``, and
    containers carry their exact class (``{"$dict": "ReturnDict", "items": {...}}``) so that a ``dict`` where
    4.x gave DRF's ``ReturnDict`` shows up too (the comparison states which of those differences are deliberate).
    """
    kind = type(value).__name__
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, (str, int, float)):  # a subclass: an enum member, a SafeString, ...
        return {f"${kind}": json.loads(json.dumps(value))}
    if isinstance(value, dict):
        return {"$dict": kind, "items": {_key(key): typed(item) for key, item in value.items()}}
    if isinstance(value, (set, frozenset)):
        return {"$set": kind, "items": sorted((typed(item) for item in value), key=json.dumps)}
    if isinstance(value, (list, tuple)) or hasattr(value, "__next__"):
        return {"$list": kind, "items": [typed(item) for item in value]}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.astimezone(datetime.UTC).isoformat(), "aware": value.tzinfo is not None}
    if isinstance(value, (uuid.UUID, decimal.Decimal, datetime.date)):
        return {f"${kind}": str(value)}
    return {f"${kind}": repr(value)}


def _key(key):
    return key if type(key) is str else "$key:" + json.dumps(typed(key), sort_keys=True)


def run_call(name, args, kwargs):
    module, function = name.split(".")
    try:
        return {"result": typed(getattr(MODULES[module], function)(*args, **kwargs))}
    except Exception as exc:  # noqa: BLE001 - the error class is part of what is compared
        return {"error": type(exc).__name__}


def dump_tables():
    tables = {}
    for model_name, fields in FIELDS.items():
        model = getattr(models, model_name)
        rows = [
            {name: plain(value) for name, value in row.items()}
            for row in model._base_manager.order_by("id").values(*fields)
        ]
        if model_name == "SubmissionFile":
            for row, instance in zip(rows, model._base_manager.order_by("id"), strict=True):
                with instance.file.open("rb") as handle:
                    row["content"] = handle.read().decode("utf-8")
        tables[model_name] = rows
    return tables


def grader_files():
    """``get_files_for_grader`` per grader row: the file names (URLs differ by design: ours are signed)."""
    files = {}
    for detail in models.ExternalGraderDetail._base_manager.order_by("id"):
        try:
            files[str(detail.submission.uuid)] = sorted(api.get_files_for_grader(detail))
        except Exception as exc:  # noqa: BLE001 - compared like the API calls
            files[str(detail.submission.uuid)] = {"error": type(exc).__name__}
    return files


def main(manifest_path, result_path):
    with open(manifest_path) as handle:
        manifest = json.load(handle)
    calls = {
        json.dumps([name, args, kwargs], sort_keys=True): run_call(name, args, kwargs)
        for name, args, kwargs in manifest["calls"]
    }
    with open(result_path, "w") as out:
        result = {"calls": calls, "tables": dump_tables(), "grader_files": grader_files()}
        json.dump(result, out, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
