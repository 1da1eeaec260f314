"""The audit log (HIPAA 164.312(b)): every clinical view and endpoint writes a row, rows are
append-only and hash-chained, audit_verify finds tampering, admins export their practice's."""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from clients.models import CheckIn, QuestionnaireResponse, Signal
from continuity.audit import Action, audit_record, entry_hash, verify_chain
from continuity.demo import therapist_group
from continuity.models import AuditAppendOnly, AuditEntry, Therapist
from notes.services import note_create, template_save
from tests.factories import MomentFactory, TherapistFactory

pytestmark = pytest.mark.django_db

NOTE_TEXT = "thinking of you before the hearing"
CHECK_IN_TEXT = "slept badly, the dog helps"
MOMENT_LABEL = "custody hearing"
TEMPLATE_TEXT = "hello from the garden"


@dataclass
class World:
    cast: Any
    note: Any
    moment: Any
    check_in: Any
    questionnaire: Any
    signal: Any
    template: Any


@pytest.fixture
def world(cast, reachable) -> World:
    client = reachable
    check_in = CheckIn.objects.create(client=client, mood=3, text=CHECK_IN_TEXT)
    questionnaire = QuestionnaireResponse.objects.create(
        client=client, instrument="phq9", answers="[1,1,1,1,1,1,1,1,0]", total=8, severity="mild"
    )
    return World(
        cast=cast,
        note=note_create(therapist=cast.therapist, client=client, body=NOTE_TEXT),
        moment=MomentFactory(client=client, label=MOMENT_LABEL),
        check_in=check_in,
        questionnaire=questionnaire,
        signal=Signal.objects.create(
            client=client, kind=Signal.Kind.CHECK_IN, severity="info", check_in=check_in
        ),
        template=template_save(therapist=cast.therapist, title="Garden", body=TEMPLATE_TEXT),
    )


def _web(client, w: World):
    client.force_login(w.cast.therapist)
    return client


def _api(client, w: World):
    _, token = AuthToken.objects.create(user=w.cast.therapist)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def _admin(client, w: World):
    therapist = w.cast.therapist
    therapist.is_staff = True
    therapist.save()
    therapist.groups.add(therapist_group())
    client.force_login(therapist)
    return client


# (name, how to sign in, url from the world, object_type, object id from the world or None,
#  action, channel). Every view or endpoint that shows clinical content is here.
COVERAGE = [
    ("dashboard client page", _web, lambda w: reverse("client_detail", args=[w.cast.client.pk]),
     "client", lambda w: w.cast.client.pk, "read", "web"),
    ("composer", _web, lambda w: reverse("compose", args=[w.cast.client.pk]),
     "client", lambda w: w.cast.client.pk, "read", "web"),
    ("note edit page", _web, lambda w: reverse("note_edit", args=[w.note.pk]),
     "note", lambda w: w.note.pk, "read", "web"),
    ("templates page", _web, lambda w: reverse("templates"), "template", None, "read", "web"),
    ("template edit page", _web, lambda w: reverse("template_edit", args=[w.template.pk]),
     "template", lambda w: w.template.pk, "read", "web"),
    ("api client list", _api, lambda w: reverse("api-clients"), "client", None, "read", "api"),
    ("api client", _api, lambda w: reverse("api-client", args=[w.cast.client.pk]),
     "client", lambda w: w.cast.client.pk, "read", "api"),
    ("api consents", _api, lambda w: reverse("api-client-consents", args=[w.cast.client.pk]),
     "consent", None, "read", "api"),
    ("api appointments",
     _api, lambda w: reverse("api-client-appointments", args=[w.cast.client.pk]),
     "appointment", None, "read", "api"),
    ("api moments", _api, lambda w: reverse("api-client-moments", args=[w.cast.client.pk]),
     "moment", None, "read", "api"),
    ("api moment", _api, lambda w: reverse("api-moment", args=[w.moment.pk]),
     "moment", lambda w: w.moment.pk, "read", "api"),
    ("api check-ins", _api, lambda w: reverse("api-client-check-ins", args=[w.cast.client.pk]),
     "check_in", None, "read", "api"),
    ("api questionnaires",
     _api, lambda w: reverse("api-client-questionnaires", args=[w.cast.client.pk]),
     "questionnaire", None, "read", "api"),
    ("api signals", _api, lambda w: reverse("api-signals"), "signal", None, "read", "api"),
    ("api notes", _api, lambda w: reverse("api-notes"), "note", None, "read", "api"),
    ("api note", _api, lambda w: reverse("api-note", args=[w.note.pk]),
     "note", lambda w: w.note.pk, "read", "api"),
    ("api deliveries", _api, lambda w: reverse("api-deliveries"), "delivery", None, "read", "api"),
    ("api delivery", _api, lambda w: reverse("api-delivery", args=[w.note.deliveries.first().pk]),
     "delivery", lambda w: w.note.deliveries.first().pk, "read", "api"),
    ("api templates", _api, lambda w: reverse("api-templates"), "template", None, "read", "api"),
    ("api template", _api, lambda w: reverse("api-template", args=[w.template.pk]),
     "template", lambda w: w.template.pk, "read", "api"),
    ("admin client", _admin, lambda w: reverse("admin:clients_client_change",
                                               args=[w.cast.client.pk]),
     "client", lambda w: w.cast.client.pk, "read", "admin"),
    ("admin client list", _admin, lambda w: reverse("admin:clients_client_changelist"),
     "client", None, "read", "admin"),
    ("admin moment", _admin, lambda w: reverse("admin:clients_moment_change", args=[w.moment.pk]),
     "moment", lambda w: w.moment.pk, "read", "admin"),
    ("admin check-in", _admin,
     lambda w: reverse("admin:clients_checkin_change", args=[w.check_in.pk]),
     "check_in", lambda w: w.check_in.pk, "read", "admin"),
    ("admin questionnaire", _admin,
     lambda w: reverse("admin:clients_questionnaireresponse_change", args=[w.questionnaire.pk]),
     "questionnaire", lambda w: w.questionnaire.pk, "read", "admin"),
    ("admin signals", _admin, lambda w: reverse("admin:clients_signal_changelist"),
     "signal", None, "read", "admin"),
]  # fmt: skip

SECRETS = [NOTE_TEXT, CHECK_IN_TEXT, MOMENT_LABEL, TEMPLATE_TEXT, "Ava", "client"]


def _no_clinical_text(entry: AuditEntry) -> None:
    row = " ".join(str(getattr(entry, f.attname)) for f in AuditEntry._meta.fields)
    for secret in SECRETS[:-2]:
        assert secret not in row
    assert "@" not in row  # no email address


@pytest.mark.parametrize(
    ("name", "sign_in", "url", "object_type", "object_id", "action", "channel"),
    COVERAGE,
    ids=[row[0] for row in COVERAGE],
)
def test_every_clinical_view_writes_an_audit_row(
    client, world, name, sign_in, url, object_type, object_id, action, channel
):
    browser = sign_in(client, world)
    path = url(world)
    before = AuditEntry.objects.count()
    # A query string (which could carry anything) stays out of the log; the admin's lists
    # refuse unknown parameters, so they get none.
    query = "" if channel == "admin" else "?secret=" + NOTE_TEXT.replace(" ", "+")
    response = browser.get(path + query)
    assert response.status_code == 200, name
    entries = list(AuditEntry.objects.order_by("seq")[before:])
    assert entries, f"{name} wrote no audit row"
    entry = entries[-1]
    assert entry.actor == world.cast.therapist
    assert entry.practice_id == world.cast.therapist.practice_id
    assert (entry.action, entry.object_type, entry.channel) == (action, object_type, channel)
    assert entry.object_id == (object_id(world) if object_id else None)
    assert entry.path == path  # no query string
    assert entry.ip == "127.0.0.1"
    assert entry.credential.startswith("token:" if channel == "api" else "session:")
    if channel != "api":
        assert client.session.session_key not in entry.credential
    for written in entries:
        _no_clinical_text(written)


def test_writes_are_audited(client, world):
    browser = _web(client, world)
    client_id = world.cast.client.pk
    browser.post(reverse("note_cancel", args=[world.note.pk]))
    browser.post(reverse("moment_delete", args=[client_id, world.moment.pk]))
    browser.post(reverse("acknowledge", args=[client_id]), {"signal": [world.signal.pk]})
    browser.post(reverse("template_delete", args=[world.template.pk]))
    rows = list(
        AuditEntry.objects.order_by("seq").values_list("action", "object_type", "object_id")
    )
    assert rows[-4:] == [
        ("cancel", "note", world.note.pk),
        ("delete", "moment", world.moment.pk),
        ("acknowledge", "signal", world.signal.pk),
        ("delete", "template", world.template.pk),
    ]


def test_admin_save_is_an_update(client, world):
    browser = _admin(client, world)
    url = reverse("admin:clients_moment_change", args=[world.moment.pk])
    response = browser.post(
        url, {"client": world.cast.client.pk, "date": "2031-02-03", "label": "new label"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.order_by("seq").last()
    assert (entry.action, entry.object_type, entry.object_id, entry.channel) == (
        "update",
        "moment",
        world.moment.pk,
        "admin",
    )
    assert entry.client_id == world.cast.client.pk


def test_practice_staff_changes_are_audited(cast):
    admin = TherapistFactory(practice=cast.therapist.practice, role=Therapist.Role.PRACTICE_ADMIN)
    _, token = AuthToken.objects.create(user=admin)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    url = reverse("api-therapist", args=[cast.colleague.pk])
    assert api.patch(url, {"display_name": "Samuel"}, format="json").status_code == 200
    entry = AuditEntry.objects.order_by("seq").last()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        admin,
        "update",
        "therapist",
        cast.colleague.pk,
    )


# --- The chain ------------------------------------------------------------------------------


def _log(cast, n: int = 5) -> list[AuditEntry]:
    return [
        audit_record(
            actor=cast.therapist,
            action=Action.READ,
            object_type="client",
            object_id=cast.client.pk,
            client_id=cast.client.pk,
        )
        for _ in range(n)
    ]


def _verify() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _raw(sql: str, params=()) -> None:
    """Runs SQL past the append-only guard, as someone with the database's keys could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As the superuser: replica mode fires no ordinary triggers, for this statement.
            # (ALTER TABLE ... DISABLE TRIGGER is refused while the test's own inserts still
            # have deferred foreign-key checks pending.)
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        else:
            # Dropped inside the test's transaction: the rollback brings it back.
            cursor.execute("DROP TRIGGER IF EXISTS continuity_auditentry_no_update")
            cursor.execute(sql, params)


def test_a_clean_log_verifies(cast):
    entries = _log(cast)
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert "5 rows verified" in _verify()


def test_an_altered_row_is_caught(cast):
    entries = _log(cast)
    _raw(
        "UPDATE continuity_auditentry SET object_id = %s WHERE id = %s",
        [cast.other_client.pk, entries[2].pk],
    )
    with pytest.raises(CommandError, match=f"seq 3 \\(id {entries[2].pk}\\).*altered"):
        _verify()


def test_a_deleted_row_is_caught(cast):
    entries = _log(cast)
    _raw("DELETE FROM continuity_auditentry WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=r"seq 3 .*missing"):
        _verify()


def test_an_inserted_row_is_caught(cast):
    entries = _log(cast)
    # A forger moves rows 3-5 up one and slips a well-formed row in at 3, chained to row 2.
    _raw("UPDATE continuity_auditentry SET seq = seq + 100 WHERE seq > 2")
    _raw("UPDATE continuity_auditentry SET seq = seq - 99 WHERE seq > 100")
    fields = {
        "seq": 3,
        "at": entries[1].at,
        "actor_id": cast.therapist.pk,
        "practice_id": cast.therapist.practice_id,
        "action": "read",
        "object_type": "note",
        "object_id": 1,
        "client_id": cast.client.pk,
        "channel": "web",
        "ip": "",
        "credential": "",
        "path": "",
    }
    forged = entry_hash(entries[1].hash, fields)
    _raw(
        "INSERT INTO continuity_auditentry (seq, at, actor_id, practice_id, action, object_type,"
        " object_id, client_id, channel, ip, credential, path, prev_hash, hash)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [*fields.values(), entries[1].hash, forged],
    )
    report = verify_chain()
    assert report.verified == 3 and report.broken.seq == 4
    with pytest.raises(CommandError, match=r"seq 4 .*prev_hash"):
        _verify()


def test_the_application_cannot_change_or_remove_rows(cast):
    entry = _log(cast, 1)[0]
    entry.object_id = 7
    with pytest.raises(AuditAppendOnly):
        entry.save()
    with pytest.raises(AuditAppendOnly):
        entry.delete()
    with pytest.raises(AuditAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(object_id=7)
    with pytest.raises(AuditAppendOnly):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditAppendOnly):
        AuditEntry(action="read", object_type="client", seq=99, channel="web").save()


def test_the_database_refuses_an_update(cast):
    from django.db import DatabaseError, transaction

    entry = _log(cast, 1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE continuity_auditentry SET object_id = 7 WHERE id = %s", [entry.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM continuity_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).object_id == cast.client.pk


# --- Browsing and export --------------------------------------------------------------------


@pytest.fixture
def practice_admin(cast):
    return TherapistFactory(
        practice=cast.therapist.practice, role=Therapist.Role.PRACTICE_ADMIN, is_staff=True
    )


def test_csv_export_is_scoped_to_the_practice_and_audited(client, cast, practice_admin):
    _log(cast, 2)
    audit_record(actor=cast.outsider, action=Action.READ, object_type="client", object_id=1)
    client.force_login(practice_admin)
    changelist = reverse("admin:continuity_auditentry_changelist")
    assert client.get(changelist).status_code == 200
    every = AuditEntry.objects.values_list("pk", flat=True)
    response = client.post(changelist, {"action": "export_csv", "_selected_action": list(every)})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    assert {r["practice_id"] for r in rows} == {str(cast.therapist.practice_id)}
    last = AuditEntry.objects.order_by("seq").last()
    assert (last.actor, last.action, last.object_type) == (practice_admin, "export", "audit_log")
    assert "rows verified" in _verify()


def test_therapists_cannot_browse_the_log(client, cast):
    cast.therapist.is_staff = True
    cast.therapist.save()
    client.force_login(cast.therapist)
    response = client.get(reverse("admin:continuity_auditentry_changelist"))
    assert response.status_code == 403


def test_the_caseload_is_audited_as_one_list_read(client, cast):
    from continuity.models import AuditEntry

    client.force_login(cast.therapist)
    client.get(reverse("caseload"))
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id, entry.channel) == (
        cast.therapist,
        "read",
        "client",
        None,
        "web",
    )
