"""
The default grading backend, built on this library's own data.

* Learners are Django users; a learner's id in a course is ``SUBMISSIONS["INSTRUCTOR_ANONYMOUS_ID"]``
  (a callable ``(user, course_key) -> str``) or ``str(user.pk)``: the ``student_id`` of ``StudentItem``.
* Permissions: global ``is_staff``/``is_superuser``, or membership of the groups
  ``course_instructor:<course key>`` (instructor, implies staff) and ``course_staff:<course key>``.
* Attempts are the learner's active submissions for the student item after the last
  :class:`~submissions.instructor_v2.models.AttemptReset` marker; reset attempts moves the marker.
* Delete state: ``submissions.api.reset_score(..., clear_state=True)`` and
  ``submissions.external_grader.queue.cancel_unfinished``.
* Rescore: ``queue.regrade`` of the latest submission when it has an external-grader row, else the
  ``INSTRUCTOR_RESCORE_HOOK``; override: ``submissions.api.set_score`` with a ``staff_override`` annotation.
"""

import contextlib
import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.timezone import now

from submissions.conf import app_settings
from submissions.errors import InstructorNotFoundError, InstructorParameterError, NotRescorableError
from submissions.instructor_v2.backends.base import BaseGradingBackend, LearnerInfo, Outcome, ProblemInfo
from submissions.instructor_v2.models import AttemptReset
from submissions.models import ExternalGraderDetail, Score, StudentItem, Submission

__all__ = ["DefaultGradingBackend", "STAFF_GROUP_PREFIX", "INSTRUCTOR_GROUP_PREFIX"]

logger = logging.getLogger(__name__)

STAFF_GROUP_PREFIX = "course_staff:"
INSTRUCTOR_GROUP_PREFIX = "course_instructor:"


def _hook(name):
    return app_settings.import_from(name) if getattr(app_settings, name) else None


class DefaultGradingBackend(BaseGradingBackend):
    """Learners, permissions and learner state from Django auth and the ``submissions`` tables."""

    # -- people and permissions --
    def find_learner(self, identifier):
        users = get_user_model()._default_manager
        user = users.filter(username=identifier).first()
        if user is None:
            matches = list(users.filter(email__iexact=identifier)[:2]) if identifier else []
            if len(matches) > 1:
                raise InstructorParameterError(
                    f"More than one learner has the email {identifier!r}",
                    field_errors={"learner": "Ambiguous email: use the username."},
                )
            if not matches:
                raise InstructorNotFoundError(f"Learner not found: {identifier!r}")
            user = matches[0]
        return LearnerInfo(
            user=user,
            username=user.get_username(),
            email=getattr(user, "email", "") or "",
            full_name=(user.get_full_name() if hasattr(user, "get_full_name") else "") or "",
        )

    def learner_id(self, user, course_key):
        hook = _hook("INSTRUCTOR_ANONYMOUS_ID")
        return str(hook(user, str(course_key))) if hook else str(user.pk)

    def is_enrolled(self, learner, course_key):
        student_id = self.learner_id(learner.user, course_key)
        return StudentItem.objects.filter(course_id=str(course_key), student_id=student_id).exists()

    def _groups(self, user, course_key):
        if not getattr(user, "is_authenticated", False):
            return set()
        names = [STAFF_GROUP_PREFIX + str(course_key), INSTRUCTOR_GROUP_PREFIX + str(course_key)]
        return set(user.groups.filter(name__in=names).values_list("name", flat=True))

    @staticmethod
    def _is_global_staff(user):
        return bool(getattr(user, "is_authenticated", False) and (user.is_staff or user.is_superuser))

    def is_course_staff(self, user, course_key):
        return self._is_global_staff(user) or bool(self._groups(user, course_key))

    def is_course_instructor(self, user, course_key):
        if self._is_global_staff(user):
            return True
        return INSTRUCTOR_GROUP_PREFIX + str(course_key) in self._groups(user, course_key)

    # -- courseware --
    def course_exists(self, course_key):
        key = str(course_key)
        if StudentItem.objects.filter(course_id=key).exists():
            return True
        return Group.objects.filter(name__in=[STAFF_GROUP_PREFIX + key, INSTRUCTOR_GROUP_PREFIX + key]).exists()

    def get_problem(self, course_key, usage_key):
        hook = _hook("INSTRUCTOR_PROBLEM_INFO")
        if hook:
            info = hook(str(course_key), str(usage_key))
            if info is None:
                return None
            info = dict(info)
            info.setdefault("id", str(usage_key))
            info.setdefault("name", usage_key.block_id)
            info.setdefault("breadcrumbs", self._breadcrumbs(course_key, usage_key, info["name"]))
            return ProblemInfo(**info)
        items = StudentItem.objects.filter(course_id=str(course_key), item_id=str(usage_key))
        if not items.exists():
            return None
        max_score = (
            ExternalGraderDetail.objects.filter(submission__student_item__in=items)
            .order_by("-created_at", "-id")
            .values_list("points_possible", flat=True)
            .first()
        )
        if max_score is None:
            max_score = Score.objects.filter(student_item__in=items, reset=False).aggregate(m=Max("points_possible"))[
                "m"
            ]
        return ProblemInfo(
            id=str(usage_key),
            name=usage_key.block_id,
            breadcrumbs=self._breadcrumbs(course_key, usage_key, usage_key.block_id),
            max_score=max_score or None,
            max_attempts=None,
            rescorable=not usage_key.is_container,
            overridable=not usage_key.is_container and bool(max_score),
        )

    @staticmethod
    def _breadcrumbs(course_key, usage_key, name):
        return [
            {"display_name": course_key.course, "usage_key": None},
            {"display_name": name, "usage_key": str(usage_key)},
        ]

    def get_grading_config(self, course_key):
        hook = _hook("INSTRUCTOR_GRADING_POLICY")
        return hook(str(course_key)) if hook else None

    # -- one learner --
    def _student_item(self, course_key, usage_key, learner_id, *, required=True):
        item = StudentItem.objects.filter(
            course_id=str(course_key), item_id=str(usage_key), student_id=learner_id
        ).first()
        if item is None and required:
            raise InstructorNotFoundError("The learner has no state for this problem")
        return item

    @staticmethod
    def attempts_used(student_item):
        """Active submissions of ``student_item`` since its last attempt reset."""
        marker = AttemptReset.objects.filter(student_item=student_item).values_list("last_submission_id", flat=True)
        after = marker.first() or 0
        return Submission.objects.filter(student_item=student_item, id__gt=after).count()

    def get_learner_state(self, course_key, usage_key, learner_id, problem):
        from submissions.instructor_v2.backends import _core_services as api

        item = self._student_item(course_key, usage_key, learner_id, required=False)
        if item is None:
            return {"current_score": None, "attempts": None}
        score = api.get_score(item.student_item_dict)
        current = {"score": score["points_earned"], "total": score["points_possible"]} if score else None
        return {
            "current_score": current,
            "attempts": {"current": self.attempts_used(item), "total": problem.max_attempts},
        }

    def _has_state(self, item):
        from submissions.instructor_v2.backends import _core_services as api

        return (
            Submission.objects.filter(student_item=item).exists() or api.get_score(item.student_item_dict) is not None
        )

    def reset_attempts(self, course_key, usage_key, learner_id, requester):
        item = self._student_item(course_key, usage_key, learner_id)
        if not self._has_state(item):
            raise InstructorNotFoundError("The learner has no state for this problem")
        last = Submission._objects.filter(student_item=item).aggregate(m=Max("id"))["m"] or 0
        self._set_marker(item, last, requester)

    @staticmethod
    def _set_marker(item, last_submission_id, requester):
        values = {"last_submission_id": last_submission_id, "reset_at": now(), "reset_by": requester}
        if AttemptReset.objects.filter(student_item=item).update(**values):
            return
        try:
            with transaction.atomic():
                AttemptReset.objects.create(student_item=item, **values)
        except IntegrityError:  # created concurrently: the same reset, written over it
            AttemptReset.objects.filter(student_item=item).update(**values)

    def delete_state(self, course_key, usage_key, learner_id, requester):
        from submissions.external_grader import queue
        from submissions.instructor_v2.backends import _core_services as api

        item = self._student_item(course_key, usage_key, learner_id)
        if not self._has_state(item):
            raise InstructorNotFoundError("The learner has no state for this problem")
        api.reset_score(item.student_id, item.course_id, item.item_id, clear_state=True)
        queue.cancel_unfinished(item.student_item_dict)
        AttemptReset.objects.filter(student_item=item).delete()

    def _latest_submission(self, item):
        return Submission.objects.filter(student_item=item).order_by("-submitted_at", "-id").first()

    def rescore(self, course_key, usage_key, learner_id, requester, *, only_if_higher=False):
        item = self._student_item(course_key, usage_key, learner_id)
        submission = self._latest_submission(item)
        if submission is None:
            raise InstructorNotFoundError("The learner has no submitted answer to rescore")
        has_grader = ExternalGraderDetail.objects.filter(submission_id=submission.pk).exists()
        return self._rescore_submission(item, submission, has_grader, requester, bool(only_if_higher))

    def _rescore_submission(self, item, submission, has_grader, requester, only_if_higher):
        from submissions.external_grader import queue

        if has_grader:
            queue.regrade(str(submission.uuid), only_if_higher=only_if_higher)
            return Outcome.SUCCEEDED
        hook = _hook("INSTRUCTOR_RESCORE_HOOK")
        if hook is None:
            raise NotRescorableError("This component cannot be rescored.")
        from submissions.instructor_v2.backends import _core_services as api

        hook(
            api.get_submission(str(submission.uuid)),
            item.student_item_dict,
            only_if_higher=only_if_higher,
            requester=requester,
        )
        return Outcome.SUCCEEDED

    def override_score(self, course_key, usage_key, learner_id, requester, *, score, problem, reason=""):
        from submissions.instructor_v2.backends import _core_services as api

        if int(score) != score:
            raise InstructorParameterError(
                "Scores are whole numbers of points", field_errors={"score": "A whole number of points is required."}
            )
        student_item = {
            "student_id": learner_id,
            "course_id": str(course_key),
            "item_id": str(usage_key),
            "item_type": usage_key.block_type,
        }
        item = self._student_item(course_key, usage_key, learner_id, required=False)
        previous = api.get_score(item.student_item_dict) if item is not None else None
        submission = self._latest_submission(item) if item is not None else None
        if submission is None:
            # State for a learner who never answered: a placeholder submission that does not use an attempt.
            created = api.create_submission(item.student_item_dict if item else student_item, {"staff_override": True})
            submission = Submission.objects.get(uuid=created["uuid"])
            self._set_marker(submission.student_item, submission.pk, requester)
        creator = requester.get_username() if requester is not None else ""
        api.set_score(
            str(submission.uuid),
            int(score),
            int(problem.max_score),
            annotation_creator=creator,
            annotation_type="staff_override",
            annotation_reason=reason or f"Score overridden by {creator} through the instructor API",
        )
        return int(score), (previous["points_earned"] if previous else None)

    # -- all learners --
    def _items(self, course_key, usage_key):
        return StudentItem.objects.filter(course_id=str(course_key), item_id=str(usage_key))

    def count_learners(self, course_key, usage_key, operation):
        return self._items(course_key, usage_key).count()

    def learner_ids(self, course_key, usage_key, operation, *, after=None, limit=100):
        items = self._items(course_key, usage_key)
        if after is not None:
            items = items.filter(student_id__gt=after)
        return list(items.order_by("student_id").values_list("student_id", flat=True)[:limit])

    def process_batch(self, operation, course_key, usage_key, learner_ids, requester, options):
        items = {
            item.student_id: item for item in self._items(course_key, usage_key).filter(student_id__in=learner_ids)
        }
        if operation == "reset_attempts":
            return self._reset_batch(items, learner_ids, requester)
        return self._rescore_batch(items, learner_ids, requester, bool(options.get("only_if_higher")))

    def _reset_batch(self, items, learner_ids, requester):
        last_ids = dict(
            Submission.objects.filter(student_item__in=items.values())
            .values("student_item_id")
            .annotate(m=Max("id"))
            .values_list("student_item_id", "m")
        )
        outcomes = {learner_id: Outcome.SKIPPED for learner_id in learner_ids}
        to_mark = {item.pk: item for item in items.values() if last_ids.get(item.pk)}
        # replace the batch's markers: one DELETE and one INSERT per batch, whatever existed before
        AttemptReset.objects.filter(student_item_id__in=to_mark).delete()
        stamp = now()
        new = [
            AttemptReset(student_item_id=pk, last_submission_id=last_ids[pk], reset_at=stamp, reset_by=requester)
            for pk in to_mark
        ]
        try:
            with transaction.atomic():
                AttemptReset.objects.bulk_create(new)
        except IntegrityError:  # a single-learner reset raced us: fall back to one at a time
            for marker in new:
                self._set_marker(to_mark[marker.student_item_id], marker.last_submission_id, requester)
        for item in to_mark.values():
            outcomes[item.student_id] = Outcome.SUCCEEDED
        return outcomes

    def _rescore_batch(self, items, learner_ids, requester, only_if_higher):
        latest = {}
        for submission in Submission.objects.filter(student_item__in=items.values()).order_by(
            "student_item_id", "-submitted_at", "-id"
        ):
            latest.setdefault(submission.student_item_id, submission)
        graded = set(
            ExternalGraderDetail.objects.filter(submission_id__in=[s.pk for s in latest.values()]).values_list(
                "submission_id", flat=True
            )
        )
        can_hook = _hook("INSTRUCTOR_RESCORE_HOOK") is not None
        outcomes = {}
        for learner_id in learner_ids:
            item = items.get(learner_id)
            submission = latest.get(item.pk) if item is not None else None
            if submission is None or not (submission.pk in graded or can_hook):
                outcomes[learner_id] = Outcome.SKIPPED
                continue
            # queue.regrade is atomic itself (a savepoint here); a host hook gets a savepoint of its own
            isolated = transaction.atomic() if submission.pk not in graded else contextlib.nullcontext()
            try:
                with isolated:
                    outcomes[learner_id] = self._rescore_submission(
                        item, submission, submission.pk in graded, requester, only_if_higher
                    )
            except Exception:  # one learner's failure is counted and logged, not fatal to the batch
                logger.exception("Rescore failed for submission %s", submission.uuid)
                outcomes[learner_id] = Outcome.FAILED
        return outcomes
