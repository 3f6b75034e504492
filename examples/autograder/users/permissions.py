"""Role checks shared by the API views."""

from rest_framework.permissions import BasePermission


class IsTeacher(BasePermission):
    message = "Only teachers can do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_teacher)


class IsStudent(BasePermission):
    message = "Only students can do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_student)
