"""
The download view of submission files for graders: ``files/<token>/`` under the xqueue prefix.

The token is a ``django.core.signing`` signature of the file row (see
:func:`submissions.external_grader.files.file_token`); it expires after ``FILE_URL_MAX_AGE``
seconds. No session is needed: the signature is the authorisation (ADR 0007).
"""

import logging

from django.core import signing
from django.http import FileResponse, Http404, HttpResponseForbidden
from django.urls import path
from django.views.decorators.http import require_safe

from submissions.external_grader.files import read_file_token
from submissions.external_grader.models import SubmissionFile
from submissions.external_grader.storage import get_storage

__all__ = ["download_file", "file_urlpatterns"]

logger = logging.getLogger(__name__)


@require_safe
def download_file(request, token):
    """Stream one submission file: 403 for a bad or expired signature, 404 for a missing file."""
    try:
        file_id, file_uuid = read_file_token(token)
    except signing.SignatureExpired:
        return HttpResponseForbidden("File link expired")
    except signing.BadSignature:
        return HttpResponseForbidden("Invalid file link")
    row = SubmissionFile.objects.filter(pk=file_id, uuid=file_uuid).first()
    if row is None or not row.file.name:
        raise Http404("No such file")
    try:
        handle = get_storage().open(row.file.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        logger.warning("Blob of submission file %s is missing: %r", row.pk, exc)
        raise Http404("No such file") from exc
    return FileResponse(
        handle, as_attachment=True, filename=row.original_filename, content_type="application/octet-stream"
    )


#: Included by ``submissions.external_grader.urls`` under the xqueue prefix.
file_urlpatterns = [path("files/<str:token>/", download_file, name="xqueue-file")]
