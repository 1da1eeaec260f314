from __future__ import annotations

from rest_framework.permissions import BasePermission

from continuity.models import Therapist


class IsPracticeMember(BasePermission):
    """A signed-in, active member of a practice (a therapist or a practice admin).

    Object scoping is not done here: every view looks objects up through the caller, so an id
    outside the caller's reach is a 404, never a 403 that would confirm it exists.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.practice_id)


class IsPracticeAdmin(IsPracticeMember):
    def has_permission(self, request, view) -> bool:
        return (
            super().has_permission(request, view)
            and request.user.role == Therapist.Role.PRACTICE_ADMIN
        )
