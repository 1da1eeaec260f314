"""One error shape for every API failure: ``{"code", "message", "fields"}``.

``code`` is stable and machine-readable, ``message`` is for people, and ``fields`` maps a
field name to its problems (empty when the error is not about a field). A service's Django
ValidationError becomes a 400 in the same shape, so rules live only in services.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

MESSAGES = {
    "not_found": "Not found.",
    "invalid": "Some fields are not valid.",
    "malformed": "The request body is not valid JSON.",
    "too_large": "The request body is too large.",
}


def error(code: str, message: str, http_status: int, fields: dict | None = None) -> Response:
    return Response({"code": code, "message": message, "fields": fields or {}}, http_status)


def _fields(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out = {}
        for name, problems in detail.items():
            key = "non_field_errors" if name == "__all__" else str(name)
            if isinstance(problems, dict):  # nested serializer: flatten as "outer.inner"
                for inner, value in _fields(problems).items():
                    out[f"{key}.{inner}"] = value
            elif isinstance(problems, list):
                out[key] = [str(p) for p in problems]
            else:
                out[key] = [str(problems)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(p) for p in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return error("invalid", MESSAGES["invalid"], status.HTTP_400_BAD_REQUEST, _fields(detail))
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return error("not_found", MESSAGES["not_found"], status.HTTP_404_NOT_FOUND)
    if isinstance(exc, RequestDataTooBig):
        return error("too_large", MESSAGES["too_large"], status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handling and logging take over
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        return error("invalid", MESSAGES["invalid"], response.status_code, fields)
    if isinstance(exc, exceptions.ParseError):
        return error("malformed", MESSAGES["malformed"], response.status_code)
    detail = getattr(exc, "detail", "")
    code = detail.code if hasattr(detail, "code") else "error"
    response.data = {"code": str(code), "message": str(detail), "fields": {}}
    return response
