"""Strict reading of the environment: a malformed value stops start-up with a clear message.

django-environ is lenient in places (``DEBUG=banana`` reads as False, an unknown database
scheme fails deep inside Django); this wrapper makes every such value an
``ImproperlyConfigured`` naming the variable.
"""

from __future__ import annotations

from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on", "y"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", "n", ""})
DATABASE_SCHEMES = frozenset({"sqlite", "postgres", "postgresql", "pgsql", "psql"})
BROKER_SCHEMES = frozenset({"redis", "rediss", "filesystem", "memory"})


class StrictEnv(environ.Env):
    @classmethod
    def parse_value(cls, value: Any, cast: Any) -> Any:
        if cast is bool:
            word = str(value).strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise ValueError(f"{value!r} is not a boolean (use true/false, 1/0, yes/no, on/off)")
        return super().parse_value(value, cast)

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured:
            raise
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"Environment variable {var} is malformed: {exc}") from exc

    def database(self, var: str, default: str) -> dict[str, Any]:
        url = self.str(var, default=default)
        scheme = url.split(":", 1)[0]
        if scheme not in DATABASE_SCHEMES:
            raise ImproperlyConfigured(
                f"Environment variable {var} has an unsupported scheme {scheme!r}; "
                f"use one of {sorted(DATABASE_SCHEMES)}"
            )
        try:
            return self.db_url_config(url)
        except Exception as exc:  # environ raises several types for a bad URL
            raise ImproperlyConfigured(f"Environment variable {var} is malformed: {exc}") from exc

    def broker(self, var: str, default: str) -> str:
        url = self.str(var, default=default)
        scheme = url.split(":", 1)[0]
        if scheme not in BROKER_SCHEMES or "://" not in url:
            raise ImproperlyConfigured(
                f"Environment variable {var} must be a broker URL such as "
                f"redis://127.0.0.1:6379/0 (got scheme {scheme!r})"
            )
        return url

    def email(self, var: str, default: str | None) -> dict[str, Any] | None:
        url = self.str(var, default=default)
        if not url:
            return None
        try:
            return self.email_url_config(url)
        except Exception as exc:
            raise ImproperlyConfigured(f"Environment variable {var} is malformed: {exc}") from exc
