"""Request-wide behaviour for signed-in therapists."""

from __future__ import annotations

from django.utils import timezone


class TherapistTimeZoneMiddleware:
    """Shows every time in the signed-in therapist's own zone; the client's pages and
    anonymous requests keep the project's default."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.time_zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
