"""OpenAPI generation: every operation documents the error responses it can give, in the
shared error shape, next to its own success response."""

from __future__ import annotations

from drf_spectacular import openapi
from rest_framework import serializers


class ErrorOut(serializers.Serializer):
    code = serializers.CharField(help_text="Stable and machine-readable, e.g. 'invalid'.")
    message = serializers.CharField(help_text="For people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name → its problems; empty when the error is not about a field.",
    )


ERRORS = {
    "400": "Invalid input (see fields) or malformed JSON.",
    "401": "Not signed in, or the token is unknown, expired or revoked.",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such object, or not yours (the two are never told apart), or no such page.",
    "413": "Request body too large.",
    "429": "Too many requests; retry after the time in Retry-After.",
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["400", "401", "403", "404", "429"]  # 404 also for a page past the end
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("413")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorOut, code, direction=direction)
                responses[code]["description"] = ERRORS[code]
        return responses
