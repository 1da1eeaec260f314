"""Encryption at rest for clinical free text.

Keys come from settings.FIELD_ENCRYPTION_KEYS (Fernet keys, newest first). Values are
encrypted with the newest key and decrypted with any of them, so a new key can be put in
front of the list at any time; re-encrypting old rows under it is ``MultiFernet.rotate``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.core.validators import MaxLengthValidator
from django.db import models, transaction


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


def is_current(token: str) -> bool:
    """True when the newest key opens the token, so rotating it would change nothing."""
    fernet()  # a malformed key is a configuration error, not "not current"
    newest = Fernet(settings.FIELD_ENCRYPTION_KEYS[0])
    try:
        newest.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


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


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    """Every EncryptedTextField of every installed concrete model."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


@dataclass(frozen=True)
class Rotated:
    model: str  # app_label.Model
    field: str
    rotated: int  # rows re-encrypted under the newest key
    current: int  # rows already under it, left alone


def rotate_field(
    model: type[models.Model], field: EncryptedTextField, *, batch_size: int = 500
) -> Rotated:
    """Re-encrypts one column under the newest key, a batch per transaction.

    Idempotent: a token the newest key already opens is left as it is. A row changed while
    this runs is not overwritten (the update is conditional on the token read), and what was
    written meanwhile is under the newest key anyway. Raises ImproperlyConfigured, leaving the
    batches before it committed, when no configured key opens a stored value.
    """
    # The column as stored: a plain-text expression skips the field's decryption on read and
    # its encryption on comparison and write.
    raw = models.ExpressionWrapper(models.F(field.name), output_field=models.TextField())
    rows = model._base_manager.alias(_token=raw).exclude(_token__isnull=True).exclude(_token="")
    rotated = current = 0
    last_pk = None
    while True:
        batch = rows.order_by("pk")
        if last_pk is not None:
            batch = batch.filter(pk__gt=last_pk)
        tokens = list(batch.annotate(_raw=raw).values_list("pk", "_raw")[:batch_size])
        if not tokens:
            break
        with transaction.atomic():
            for pk, token in tokens:
                if is_current(token):
                    current += 1
                    continue
                new_token = _rotate_stored(token)
                rotated += rows.filter(pk=pk, _token=token).update(
                    **{field.name: models.Value(new_token, output_field=models.TextField())}
                )
        last_pk = tokens[-1][0]
    return Rotated(model._meta.label, field.name, rotated, current)


def _rotate_stored(token: str) -> str:
    try:
        return rotate(token)
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted value could not be decrypted with any key in FIELD_ENCRYPTION_KEYS"
        ) from exc
