from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from clients.models import Moment
from continuity import crypto
from tests.factories import MomentFactory

pytestmark = pytest.mark.django_db


def raw_label(moment_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT label FROM clients_moment WHERE id = %s", [moment_id])
        return cursor.fetchone()[0]


def test_clinical_text_is_ciphertext_in_the_database(cast):
    moment = MomentFactory(client=cast.client, label="court date with my ex")
    stored = raw_label(moment.pk)
    assert "court" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert Moment.objects.get(pk=moment.pk).label == "court date with my ex"


def test_a_new_key_in_front_still_reads_old_rows_and_rotation_moves_them(cast, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    moment = MomentFactory(client=cast.client, label="anniversary", date=dt.date(2030, 5, 1))
    old_token = raw_label(moment.pk)

    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert Moment.objects.get(pk=moment.pk).label == "anniversary"

    rotated = crypto.rotate(old_token)
    assert Fernet(new_key.encode()).decrypt(rotated.encode()) == b"anniversary"

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    with pytest.raises(ImproperlyConfigured, match="could not be decrypted"):
        Moment.objects.get(pk=moment.pk)


def test_a_malformed_key_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="Fernet keys"):
        crypto.encrypt("x")


def test_moment_str_never_contains_the_label(cast):
    moment = MomentFactory(client=cast.client, label="court date")
    assert "court" not in str(moment)
