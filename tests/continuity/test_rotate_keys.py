"""Key rotation: a new key goes in front, `rotate_keys` moves every encrypted column under it,
and then the old key can go. The raw database never holds the plaintext."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from clients.models import CheckIn, Moment, QuestionnaireResponse
from continuity import crypto
from notes.models import Note, NoteTemplate
from notes.services import note_create, template_save
from tests.factories import MomentFactory

pytestmark = pytest.mark.django_db

SECRETS = {
    "moment": "custody hearing with my ex",
    "check_in": "could not sleep after the argument",
    "note": "Remember the grounding we practised on Thursday",
    "template": "Thinking of you, {first_name}, before the anniversary",
}


@pytest.fixture
def clinical_rows(cast, reachable):
    client = reachable
    therapist = cast.therapist
    return {
        "moment": MomentFactory(client=client, label=SECRETS["moment"], date=dt.date(2031, 3, 1)),
        "check_in": CheckIn.objects.create(client=client, mood=3, text=SECRETS["check_in"]),
        "questionnaire": QuestionnaireResponse.objects.create(
            client=client, instrument="phq9", answers=json.dumps([3] * 9), total=27, severity="x"
        ),
        "note": note_create(therapist=therapist, client=client, body=SECRETS["note"]),
        "template": template_save(therapist=therapist, title="Anniv", body=SECRETS["template"]),
    }


def raw_values() -> dict[str, list[str]]:
    """Every stored value of every encrypted column, read with plain SQL."""
    found = {}
    with connection.cursor() as cursor:
        for model, field in crypto.encrypted_fields():
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(field.column)
            cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - names from models
            found[f"{model._meta.label}.{field.name}"] = [row[0] for row in cursor.fetchall()]
    return found


def rotate() -> str:
    out = StringIO()
    call_command("rotate_keys", "--batch-size", "2", stdout=out)
    return out.getvalue()


def read_everything(rows) -> None:
    assert Moment.objects.get(pk=rows["moment"].pk).label == SECRETS["moment"]
    assert CheckIn.objects.get(pk=rows["check_in"].pk).text == SECRETS["check_in"]
    assert json.loads(QuestionnaireResponse.objects.get().answers) == [3] * 9
    assert Note.objects.get(pk=rows["note"].pk).body == SECRETS["note"]
    assert NoteTemplate.objects.get(pk=rows["template"].pk).body == SECRETS["template"]


def test_every_encrypted_field_is_discovered():
    assert {f"{m._meta.label}.{f.name}" for m, f in crypto.encrypted_fields()} >= {
        "clients.Moment.label",
        "clients.CheckIn.text",
        "clients.QuestionnaireResponse.answers",
        "notes.Note.body",
        "notes.NoteTemplate.body",
    }


def test_the_raw_database_holds_no_plaintext(clinical_rows):
    stored = raw_values()
    values = [value for column in stored.values() for value in column]
    assert len(values) >= len(clinical_rows)
    for value in values:
        assert value.startswith("gAAAA"), value  # a Fernet token
        for secret in SECRETS.values():
            assert secret not in value
            assert secret.split()[0] not in value
    assert all("[3, 3" not in value for value in stored["clients.QuestionnaireResponse.answers"])


def test_rotation_moves_every_row_to_the_new_key_and_the_old_key_can_go(clinical_rows, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    before = raw_values()

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    read_everything(clinical_rows)  # old rows still open with the new key in front

    report = rotate()
    assert "clients.Moment.label: 1 re-encrypted, 0 already under the newest key" in report
    assert "notes.Note.body: 1 re-encrypted" in report
    assert "notes.NoteTemplate.body: 1 re-encrypted" in report
    assert "clients.CheckIn.text: 1 re-encrypted" in report
    assert "clients.QuestionnaireResponse.answers: 1 re-encrypted" in report

    after = raw_values()
    newest = Fernet(new_key.encode())
    for column, values in after.items():
        assert len(values) == len(before[column])
        for value in values:
            newest.decrypt(value.encode())  # raises InvalidToken if any row was left behind

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    read_everything(clinical_rows)


def test_rotation_is_idempotent_and_spans_batches(cast, settings):
    for n in range(5):
        MomentFactory(client=cast.client, label=f"moment {n}", date=dt.date(2031, 1, n + 1))
    old_keys = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old_keys]

    assert "clients.Moment.label: 5 re-encrypted, 0 already" in rotate()
    tokens = raw_values()["clients.Moment.label"]
    assert "clients.Moment.label: 0 re-encrypted, 5 already" in rotate()
    assert raw_values()["clients.Moment.label"] == tokens  # nothing rewritten the second time


def test_a_row_no_key_opens_stops_rotation_with_a_clear_message(cast, settings):
    MomentFactory(client=cast.client, label="x", date=dt.date(2031, 1, 1))
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(Exception, match="could not be decrypted with any key"):
        rotate()
