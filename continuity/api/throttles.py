from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class WriteThrottle(UserRateThrottle):
    """Counts only writes (POST, PUT, PATCH, DELETE), per user."""

    scope = "write"

    def allow_request(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


class AuthThrottle(SimpleRateThrottle):
    """Sign-in attempts per client IP, whoever they claim to be."""

    scope = "auth"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
