"""Encryption at rest for clinical free text.

Keys come from settings.FIELD_ENCRYPTION_KEYS (Fernet keys, newest first). Values are
encrypted with the newest key and decrypted with any of them, so a new key can be put in
front of the list at any time; re-encrypting old rows under it is ``MultiFernet.rotate``.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.core.validators import MaxLengthValidator
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded bytes); "
            "make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """Returns the plaintext. Raises ImproperlyConfigured when no configured key opens it."""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted value could not be decrypted with any key in FIELD_ENCRYPTION_KEYS"
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypts a stored token under the newest key."""
    return fernet().rotate(token.encode()).decode()


def _clear_cache(*, setting: str, **_: object) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _fernet.cache_clear()


setting_changed.connect(_clear_cache)


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; reads return the plaintext.

    ``max_length`` limits the plaintext (checked by validation), not the stored token. The
    column cannot be filtered or ordered on meaningfully, by design.
    """

    @property
    def default_validators(self):
        # TextField does not enforce max_length; here it limits the plaintext.
        return [] if self.max_length is None else [MaxLengthValidator(self.max_length)]

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(value)
