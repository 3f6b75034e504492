"""
``refresh_from_db()`` on every model with a protected FSM field (issue 13): the stock call raised
``AttributeError: Direct status modification is not allowed``.
"""

import threading

import pytest
from django.apps import apps
from django.db import connection
from django_fsm import FSMFieldMixin, FSMModelMixin

from submissions.external_grader import queue
from submissions.external_grader.models import ExternalGraderDetail
from submissions.external_grader.states import Status
from tests.external_grader.helpers import create

pytestmark = pytest.mark.django_db


def _protected_fsm_models():
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("submissions")
        and any(isinstance(field, FSMFieldMixin) and field.protected for field in model._meta.concrete_fields)
    ]


def test_every_model_with_a_protected_fsm_field_has_the_mixin():
    models = _protected_fsm_models()
    assert ExternalGraderDetail in models
    assert all(issubclass(model, FSMModelMixin) for model in models)


def test_refresh_reloads_the_protected_status_and_the_rest():
    stale = create()
    queue.pull("q1")
    assert stale.status == Status.PENDING
    stale.refresh_from_db()
    assert stale.status == Status.PULLED and stale.num_attempts == 1 and stale.pullkey
    with pytest.raises(AttributeError, match="Direct status modification"):
        stale.status = Status.FAILED  # still protected after the refresh


def test_refresh_of_some_fields_only():
    stale = create()
    queue.pull("q1")
    stale.refresh_from_db(fields=["num_attempts"])
    assert stale.num_attempts == 1 and stale.status == Status.PENDING  # the status was not asked for
    stale.refresh_from_db(fields=["status"])
    assert stale.status == Status.PULLED


def test_a_failed_refresh_keeps_the_status():
    row = create()
    ExternalGraderDetail.objects.filter(pk=row.pk).delete()
    with pytest.raises(ExternalGraderDetail.DoesNotExist):
        row.refresh_from_db()
    assert row.status == Status.PENDING
    with pytest.raises(AttributeError):
        row.status = Status.FAILED


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="threads need their own connections: a server database")
def test_refreshes_in_threads_never_lift_the_protection_of_another_instance():
    """django-fsm-2's mixin lifts the protection on the field, which threads share; ours changes nothing shared."""
    row = create()
    errors, done = [], threading.Event()

    def refresh():
        try:
            instance = ExternalGraderDetail.objects.get(pk=row.pk)
            for _ in range(150):
                instance.refresh_from_db()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    def write():
        try:
            bystander = ExternalGraderDetail.objects.get(pk=row.pk)
            while not done.is_set():
                try:
                    bystander.status = Status.FAILED
                except AttributeError:
                    continue
                errors.append(AssertionError("a protected status was set directly during another refresh"))
                return
        finally:
            connection.close()

    refreshers = [threading.Thread(target=refresh) for _ in range(3)]
    writer = threading.Thread(target=write)
    for thread in [*refreshers, writer]:
        thread.start()
    for thread in refreshers:
        thread.join(timeout=120)
    done.set()
    writer.join(timeout=10)
    assert not errors
