"""
The pages: a student's classes, assignments, a question with a code box (Run, Submit), results as they
arrive, notifications; a teacher's roster and join code, submissions, grading and publishing.

They call the same services as the API; a refusal (403/409/400) becomes a message on the page.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import APIException, ValidationError

from assignments import services as assignment_services
from assignments.models import Question
from classes import services as class_services
from classes.models import Class
from coursework import grading, runs, services
from coursework.serializers import visible_results
from notifications.models import Notification
from notifications.services import mark_read


def _refusal(exc):
    if isinstance(exc, ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            return " ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in detail.items())
        return " ".join(map(str, detail))
    return str(exc.detail)


def _owner_only(owner):
    """The pages' changes (archive, publish, close, grade...) are the class owner's: anyone else gets 403."""
    if not owner:
        raise PermissionDenied


def _attempt(request, operation, success=None):
    """Run a service call; show its refusal as a message. Returns the call's result, or None if refused."""
    try:
        result = operation()
    except APIException as exc:
        messages.error(request, _refusal(exc))
        return None
    if success:
        messages.success(request, success)
    return result


@require_http_methods(["GET", "POST"])
def home(request):
    user = request.user
    if request.method == "POST":
        if user.is_teacher and request.POST.get("name", "").strip():
            name, description = request.POST["name"].strip()[:200], request.POST.get("description", "")
            klass = class_services.create_class(user, name, description)
            messages.success(request, f"Class created; its join code is {klass.join_code}.")
            return redirect("web:class", pk=klass.pk)
        if user.is_student:
            code = class_services.normalise_code(request.POST.get("join_code", ""))
            klass = Class.objects.filter(join_code=code).first()
            if klass is None:
                messages.error(request, "No class has this join code.")
            elif _attempt(request, lambda: class_services.join(klass, user, code), f"You joined {klass.name}."):
                return redirect("web:class", pk=klass.pk)
        return redirect("web:home")
    classes = class_services.visible_classes(user).select_related("owner")
    return render(request, "web/home.html", {"classes": classes})


def _visible_class(user, pk):
    return get_object_or_404(class_services.visible_classes(user).select_related("owner"), pk=pk)


@require_http_methods(["GET", "POST"])
def class_detail(request, pk):
    klass = _visible_class(request.user, pk)
    owner = klass.owner_id == request.user.pk
    if request.method == "POST":
        _owner_only(owner)
        _attempt(request, lambda: class_services.archive(klass), "Class archived.")
        return redirect("web:class", pk=pk)
    assignments = assignment_services.visible_assignments(request.user).filter(klass=klass)
    roster = klass.enrollments.select_related("student").order_by("student__username") if owner else None
    return render(
        request, "web/class.html", {"klass": klass, "owner": owner, "assignments": assignments, "roster": roster}
    )


@require_http_methods(["GET", "POST"])
def assignment_detail(request, pk):
    assignment = get_object_or_404(assignment_services.visible_assignments(request.user), pk=pk)
    owner = assignment.klass.owner_id == request.user.pk
    if request.method == "POST":
        _owner_only(owner)
        action = request.POST.get("action")
        if action == "publish":
            _attempt(request, lambda: assignment_services.publish(assignment), "Assignment published.")
        elif action == "close":
            _attempt(request, lambda: assignment_services.close(assignment), "Assignment closed.")
        elif action == "rerun":
            count = _attempt(request, lambda: grading.rerun_assignment(request.user, assignment))
            if count is not None:
                messages.success(request, f"{count} submission(s) queued for the autograder.")
        return redirect("web:assignment", pk=pk)
    submissions = services.visible_submissions(request.user).filter(assignment=assignment)
    context = {"assignment": assignment, "owner": owner, "submissions": services.as_seen_by(request.user, submissions)}
    return render(request, "web/assignment.html", context)


@require_http_methods(["GET", "POST"])
def question_detail(request, pk):
    assignment_ids = assignment_services.visible_assignments(request.user).values("pk")
    questions = Question.objects.select_related("assignment__klass").filter(assignment__in=assignment_ids)
    question = get_object_or_404(questions, pk=pk)
    code = question.starter_code
    run = None
    if request.method == "POST":
        code = request.POST.get("code", "")
        if not code.strip():
            messages.error(request, "Write some code first.")
        elif request.POST.get("action") == "submit":
            submission = _attempt(request, lambda: services.submit(request.user, question, code), "Submitted.")
            if submission is not None:
                return redirect("web:submission", pk=submission.pk)
        else:
            run = _attempt(request, lambda: runs.run_code(request.user, question, code))
    mine = services.visible_submissions(request.user).filter(question=question, student=request.user)
    context = {
        "question": question,
        "owner": question.assignment.klass.owner_id == request.user.pk,
        "visible_cases": [case for case in question.test_cases.all() if not case.hidden],
        "code": code,
        "run": run,
        "submissions": services.as_seen_by(request.user, mine),
    }
    return render(request, "web/question.html", context)


def _visible_submission(request, pk):
    submission = get_object_or_404(services.visible_submissions(request.user), pk=pk)
    [submission] = services.as_seen_by(request.user, [submission])
    submission.shown_results = visible_results(submission.results, full=submission.owner_view)
    return submission


@require_http_methods(["GET", "POST"])
def submission_detail(request, pk):
    submission = _visible_submission(request, pk)
    if request.method == "POST":
        _owner_only(submission.owner_view)
        action = request.POST.get("action")
        if action == "grade":
            try:
                points = int(request.POST.get("points", ""))
            except ValueError:
                messages.error(request, "points: a whole number is required.")
            else:
                comment = request.POST.get("comment", "")
                if points < 0:
                    messages.error(request, "points: must be 0 or more.")
                else:
                    _attempt(
                        request,
                        lambda: grading.grade(request.user, submission, points, comment),
                        "Grade saved (not yet published).",
                    )
        elif action == "publish":
            _attempt(request, lambda: grading.publish(request.user, submission), "Grade published.")
        elif action == "rerun":
            _attempt(request, lambda: grading.rerun_submission(request.user, submission), "Queued for the autograder.")
        return redirect("web:submission", pk=pk)
    return render(request, "web/submission.html", {"submission": submission})


def submission_results(request, pk):
    """The results block alone, for the page's polling script."""
    return render(request, "web/_results.html", {"submission": _visible_submission(request, pk)})


@require_http_methods(["GET", "POST"])
def notifications(request):
    mine = Notification.objects.filter(recipient=request.user)
    if request.method == "POST":
        notification = mine.filter(pk=request.POST.get("id") or 0).first()
        if notification is None:
            raise Http404
        mark_read(notification)
        return redirect(notification.link or "web:notifications")
    return render(request, "web/notifications.html", {"notifications": mine[:100]})
