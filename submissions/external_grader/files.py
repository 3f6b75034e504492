"""
Files sent with external-grader submissions: validate, store, list with signed URLs, delete.

Files live on the storage of :func:`submissions.external_grader.storage.get_storage` under
``<queue name, sanitised>/<random uuid>`` (the learner's file name is kept only in the database).
Limits come from ``SUBMISSIONS["FILE_*"]`` and are checked before anything is stored.

Graders receive absolute, expiring URLs (ADR 0007): a storage that signs its own URLs (django-storages
S3 with ``querystring_auth``) gives a presigned URL; any other storage is served by the library's
download view (:mod:`submissions.external_grader.file_views`) behind a ``django.core.signing`` token.
That route is found wherever the URLconf mounts it (namespaced or not, ADR 0022); a process whose URLconf
does not serve it (or that has no URLconf: a worker, a command, a shell) answers the storage's own URLs,
as edx-submissions 4.x always did, and logs a warning once.
"""

import contextlib
import dataclasses
import fnmatch
import logging
import weakref

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, get_urlconf, reverse
from django.utils.translation import gettext as _

from submissions.conf import app_settings
from submissions.errors import FileProcessingError, InvalidFileTypeError, SubmissionRequestError
from submissions.external_grader.models import SubmissionFile
from submissions.external_grader.storage import get_storage, submission_file_path

__all__ = [
    "PreparedFile",
    "SubmissionFileManager",
    "get_files_for_grader",
    "file_token",
    "read_file_token",
    "delete_blobs",
    "delete_blobs_on_commit",
    "TOKEN_SALT",
    "FILE_ROUTE",
    "file_route_name",
    "purge_files",
]

logger = logging.getLogger(__name__)

TOKEN_SALT = "submissions.external_grader.file"
_READ_CHUNK = 64 * 1024
#: The URL name of the signed download view (``file_views.file_urlpatterns``).
FILE_ROUTE = "xqueue-file"


@dataclasses.dataclass(frozen=True)
class PreparedFile:
    """A validated file, read into memory, not stored yet."""

    name: str
    content: bytes


def _limit_error(limit, message):
    """A rejected file: ``message`` is for the learner (translated), the field error also names the setting."""
    return SubmissionRequestError(message, field_errors={"files": f"{message} (SUBMISSIONS[{limit!r}])"})


def _check_name(name):
    if not isinstance(name, str) or not name.strip():
        raise SubmissionRequestError(_("A file name must not be empty."), field_errors={"files": "empty name"})
    if len(name) > 255 or "/" in name or "\\" in name or "\x00" in name or name in {".", ".."}:
        raise SubmissionRequestError(
            _("The file name %(name)r is not valid.") % {"name": name}, field_errors={"files": f"invalid name {name!r}"}
        )
    patterns = app_settings.FILE_ALLOWED_NAMES
    if patterns is not None and not any(fnmatch.fnmatch(name, pattern) for pattern in patterns):
        raise _limit_error("FILE_ALLOWED_NAMES", _("Files named %(name)r are not accepted.") % {"name": name})


def _read_limited(name, obj, max_bytes):
    """Read at most ``max_bytes + 1`` bytes of ``obj`` (bytes, File, UploadedFile, ``.file`` holder)."""
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj)
    if not isinstance(obj, File) and not hasattr(obj, "read") and hasattr(obj, "file"):
        obj = obj.file  # the LMS passes {filename: object with .file}
    if not hasattr(obj, "read"):
        raise InvalidFileTypeError(f"File {name!r} is a {type(obj).__name__}, not bytes or a file object")
    try:
        if hasattr(obj, "seek"):
            with contextlib.suppress(OSError, ValueError):  # unseekable streams are read from where they are
                obj.seek(0)
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = obj.read(min(_READ_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            if isinstance(chunk, str):
                raise InvalidFileTypeError(f"File {name!r} is opened in text mode; binary content is needed")
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise FileProcessingError(f"Could not read file {name!r}: {exc}") from exc


class SubmissionFileManager:
    """Validates, stores, lists and deletes the files of one grader row (or of none yet)."""

    def __init__(self, external_grader=None):
        self.external_grader = external_grader

    @staticmethod
    def prepare(files):
        """
        Validate ``files`` (``{name: bytes | File | UploadedFile | object with .file}``) against the limits.

        Returns a list of :class:`PreparedFile`; stores nothing. Raises ``SubmissionRequestError``
        naming the limit, ``InvalidFileTypeError`` or ``FileProcessingError``.
        """
        if not files:
            return []
        if not isinstance(files, dict):
            raise InvalidFileTypeError("files must be a dict of {file name: file}")
        if len(files) > app_settings.FILE_MAX_COUNT:
            message = _("%(count)d files were sent; at most %(limit)d are accepted.")
            raise _limit_error("FILE_MAX_COUNT", message % {"count": len(files), "limit": app_settings.FILE_MAX_COUNT})
        max_bytes, max_total = app_settings.FILE_MAX_BYTES, app_settings.FILE_MAX_TOTAL_BYTES
        prepared, total = [], 0
        for name, obj in files.items():
            _check_name(name)
            content = _read_limited(name, obj, max_bytes)
            if len(content) > max_bytes:
                message = _("The file %(name)r is larger than %(limit)d bytes.") % {"name": name, "limit": max_bytes}
                raise _limit_error("FILE_MAX_BYTES", message)
            total += len(content)
            if total > max_total:
                message = _("The files are larger than %(limit)d bytes in total.") % {"limit": max_total}
                raise _limit_error("FILE_MAX_TOTAL_BYTES", message)
            prepared.append(PreparedFile(name=name, content=content))
        return prepared

    def store(self, prepared, stored_names=None):
        """
        Store prepared files for ``self.external_grader`` and create their rows.

        ``stored_names`` (a list) receives every blob name as soon as it is written, so the caller
        can delete the blobs if its transaction rolls back.
        """
        if self.external_grader is None:
            raise ValueError("store() needs a manager bound to a grader row")
        stored_names = [] if stored_names is None else stored_names
        rows = []
        # The storage is resolved now (the field's own storage was fixed when the model was imported).
        storage = get_storage()
        for item in prepared:
            row = SubmissionFile(external_grader=self.external_grader, original_filename=item.name)
            try:
                name = storage.save(submission_file_path(row, item.name), ContentFile(item.content), max_length=512)
            except OSError as exc:
                raise FileProcessingError(f"Could not store file {item.name!r}: {exc}") from exc
            stored_names.append(name)
            row.file = name
            row.save()
            rows.append(row)
        return rows

    def add(self, files):
        """Validate and store ``files`` for the bound grader row; blobs are removed if this fails."""
        prepared = self.prepare(files)
        stored = []
        try:
            with transaction.atomic():
                return self.store(prepared, stored)
        except BaseException:
            delete_blobs(stored)
            raise

    def files(self):
        return SubmissionFile.objects.filter(external_grader=self.external_grader).order_by("id")

    def urls(self, base_url=None):
        return get_files_for_grader(self.external_grader, base_url=base_url)

    def delete_all(self):
        """Delete the rows now and their blobs after commit. Returns the number of files."""
        rows = list(self.files())
        names = [row.file.name for row in rows if row.file.name]
        SubmissionFile.objects.filter(pk__in=[row.pk for row in rows]).delete()
        delete_blobs_on_commit(names)
        return len(rows)


def file_token(submission_file):
    """A signed, timestamped token naming one file row (checked by the download view)."""
    return signing.dumps({"id": submission_file.pk, "uuid": str(submission_file.uuid)}, salt=TOKEN_SALT)


def read_file_token(token):
    """
    The ``(id, uuid)`` a token names. Raises ``signing.SignatureExpired`` (older than
    ``FILE_URL_MAX_AGE``) or ``signing.BadSignature``.
    """
    data = signing.loads(token, salt=TOKEN_SALT, max_age=app_settings.FILE_URL_MAX_AGE)
    if not isinstance(data, dict) or "id" not in data or "uuid" not in data:
        raise signing.BadSignature("Malformed token")
    return data["id"], data["uuid"]


def _storage_signs_urls(storage):
    """django-storages S3 (and compatible) storages that presign their URLs."""
    return bool(getattr(storage, "querystring_auth", False)) and hasattr(storage, "bucket_name")


#: Resolver -> the full name of the download route in it (or None); dropped with the resolver.
_route_names = weakref.WeakKeyDictionary()
_warned_storage_urls = False


def _find_route(patterns, prefix=""):
    """The namespaced name (``"xqueue:xqueue-file"``, ``"xqueue-file"``, ...) of the route, or None."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name == FILE_ROUTE:
            return prefix + FILE_ROUTE
        if isinstance(pattern, URLResolver):
            inner = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found = _find_route(pattern.url_patterns, inner)
            if found:
                return found
    return None


def file_route_name():
    """
    The name to reverse for the download route in this thread's URLconf, wherever the host mounted it
    (``include("submissions.external_grader.urls")``, the drop-in ``submissions.urls``, under another
    namespace), or None when the URLconf does not serve it or there is no URLconf at all.
    """
    urlconf = get_urlconf() or getattr(settings, "ROOT_URLCONF", None)
    if urlconf is None:
        return None
    resolver = get_resolver(urlconf)
    if resolver not in _route_names:
        _route_names[resolver] = _find_route(resolver.url_patterns)
    return _route_names[resolver]


def _absolute(path, base_url):
    """``path`` made absolute with ``base_url`` (a URL prefix or a request), else PUBLIC_BASE_URL."""
    if "://" in path:
        return path
    base = base_url or app_settings.PUBLIC_BASE_URL
    if not base:
        logger.warning("No base URL for file links: set SUBMISSIONS['PUBLIC_BASE_URL']")
        return path
    if hasattr(base, "build_absolute_uri"):  # a request
        return base.build_absolute_uri(path)
    return str(base).rstrip("/") + path


def _storage_url(storage, row):
    """The storage's own URL of a file (what 4.x gave graders), with a warning the first time."""
    global _warned_storage_urls
    if not _warned_storage_urls:
        _warned_storage_urls = True
        logger.warning(
            "The %r URL is not served by this process's URLconf (%s): graders get the storage's own file URLs, "
            "which are neither signed nor expiring. Include submissions.external_grader.urls in the URLconf.",
            FILE_ROUTE,
            get_urlconf() or getattr(settings, "ROOT_URLCONF", "no ROOT_URLCONF"),
        )
    return storage.url(row.file.name)


def get_files_for_grader(external_grader, base_url=None):
    """
    ``{original filename: absolute URL}`` of a grader row's files, in one query.

    ``base_url`` is a URL prefix (``"https://lms.example.com"``) or a request; default
    ``SUBMISSIONS["PUBLIC_BASE_URL"]``. URLs expire after ``FILE_URL_MAX_AGE`` seconds, except the
    storage's own URLs given when no URLconf of this process serves the download route (see the module).
    """
    rows = SubmissionFile.objects.filter(external_grader=external_grader).order_by("id")
    storage = get_storage()
    if _storage_signs_urls(storage):
        return {row.original_filename: storage.url(row.file.name, expire=app_settings.FILE_URL_MAX_AGE) for row in rows}
    route = file_route_name()
    if route is None:
        return {row.original_filename: _absolute(_storage_url(storage, row), base_url) for row in rows}
    return {
        row.original_filename: _absolute(reverse(route, kwargs={"token": file_token(row)}), base_url) for row in rows
    }


def delete_blobs(names):
    """Delete stored blobs now, logging (not raising) storage errors."""
    storage = get_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception as exc:  # a boundary: a blob we cannot delete is logged, found by purge_files
            logger.warning("Could not delete submission file blob %s: %r", name, exc)


def delete_blobs_on_commit(names):
    """Delete blobs once the current transaction commits (at once outside a transaction)."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: delete_blobs(names), robust=True)


def purge_files(older_than_days, queue_name=None, dry_run=False, batch_size=500):
    """
    Delete files of finished grader rows (``retired``/``failed``) created more than
    ``older_than_days`` days ago, and files whose grader row is gone; blobs go after each batch
    commits. Returns the number of files (that would be) deleted.
    """
    import datetime

    from django.db.models import Q
    from django.utils.timezone import now

    from submissions.external_grader.states import Status

    cut = now() - datetime.timedelta(days=older_than_days)
    finished = Q(external_grader__status__in=[Status.RETIRED, Status.FAILED], external_grader__created_at__lte=cut)
    if queue_name:
        finished &= Q(external_grader__queue_name=queue_name)
    selection = SubmissionFile.objects.filter(finished | Q(external_grader__isnull=True, created_at__lte=cut))
    if dry_run:
        return selection.count()
    total = 0
    while True:
        with transaction.atomic():
            batch = list(selection.order_by("pk").values_list("pk", "file")[:batch_size])
            if not batch:
                break
            SubmissionFile.objects.filter(pk__in=[pk for pk, _ in batch]).delete()
            total += len(batch)
    logger.info("purge_files: %d files deleted", total)
    return total
