"""DRF permission of the instructor API: an authenticated user (course roles are checked by the services)."""

from rest_framework.permissions import IsAuthenticated

__all__ = ["IsAuthenticatedUser"]


class IsAuthenticatedUser(IsAuthenticated):
    """Anonymous callers get 401 ``AUTHENTICATION_REQUIRED``; course permissions come from the backend."""

    message = "Authentication credentials were not provided."
