"""
Deleting a grader row deletes its files (edx-submissions left file rows and blobs behind, #16).

The foreign key stays ``SET_NULL`` in the schema (4.x compatible); the cascade is done here in
Python, and blobs are removed from storage only after the deleting transaction commits.
"""

from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from submissions.external_grader.files import delete_blobs_on_commit
from submissions.external_grader.models import ExternalGraderDetail, SubmissionFile


@receiver(pre_delete, sender=ExternalGraderDetail, dispatch_uid="submissions.external_grader.delete_files")
def delete_files_of_grader_row(sender, instance, using, **kwargs):
    SubmissionFile.objects.using(using).filter(external_grader_id=instance.pk).delete()


@receiver(post_delete, sender=SubmissionFile, dispatch_uid="submissions.external_grader.delete_blob")
def delete_blob_of_file(sender, instance, **kwargs):
    delete_blobs_on_commit([instance.file.name])
