"""What can be done to a class: create it (with a unique join code), join it, archive it."""

import secrets

from django.db import IntegrityError, transaction
from rest_framework import serializers

from autograder.api import Conflict
from autograder.locks import get_for_share

from .models import Class, Enrollment

#: No 0/O or 1/I/L: a code read aloud or copied from a board is typed right.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


def new_join_code():
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def create_class(owner, name, description=""):
    """A new class owned by ``owner``; a join-code collision (31^8 codes) is retried with a fresh code."""
    for _ in range(5):
        try:
            with transaction.atomic():
                return Class.objects.create(owner=owner, name=name, description=description, join_code=new_join_code())
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free join code")


def normalise_code(code):
    return "".join(str(code).split()).upper()


def join(klass, student, join_code):
    """Enrol ``student``; joining twice returns the existing enrolment. Wrong code: 400; archived: 409."""
    if not secrets.compare_digest(normalise_code(join_code), klass.join_code):
        raise serializers.ValidationError({"join_code": ["This join code is not valid for this class."]})
    try:
        with transaction.atomic():
            # shared: joins proceed side by side, an archive under way (exclusive) is waited for
            if get_for_share(Class, klass.pk).archived:
                raise Conflict("This class is archived: it accepts no new students.")
            enrollment, _ = Enrollment.objects.get_or_create(klass=klass, student=student)
    except IntegrityError:  # the same student joined concurrently
        enrollment = Enrollment.objects.get(klass=klass, student=student)
    return enrollment


def archive(klass):
    with transaction.atomic():
        locked = Class.objects.select_for_update().get(pk=klass.pk)
        if locked.archived:
            raise Conflict("This class is already archived.")
        locked.archived = True
        locked.save(update_fields=["archived"])
    return locked


def is_enrolled(user, klass):
    return Enrollment.objects.filter(klass=klass, student=user).exists()


def visible_classes(user):
    """Classes the user owns or is enrolled in."""
    if user.is_teacher:
        return Class.objects.filter(owner=user)
    return Class.objects.filter(enrollments__student=user)
