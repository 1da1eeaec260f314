"""The audit log of reads and changes of clinical content (HIPAA 164.312(b)).

``audit_record`` appends one row: who (the signed-in therapist), when, which action on which
object (type and id, and the client it is about), from where (channel, IP, a hash of the
session key or the API token's public prefix, the path without its query string). Ids only:
never a name, a note, a check-in or anything else a client said.

Rows form a hash chain: ``hash = sha256(prev_hash + canonical JSON of the row)`` and ``seq``
counts up by one, so ``verify_chain`` finds a row that was altered, slipped in or removed.
Appends are serialised (PostgreSQL: a table lock held to commit; SQLite: every transaction
is BEGIN IMMEDIATE here), and ``seq`` is unique, so two appends can never fork the chain.

Cost per row: two queries on SQLite (last row, insert), three on PostgreSQL (lock too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from continuity.models import AuditEntry, Therapist

Action = AuditEntry.Action
GENESIS = "0" * 64
# Columns covered by the hash, in the order they are serialised.
HASHED = (
    "seq",
    "at",
    "actor_id",
    "practice_id",
    "action",
    "object_type",
    "object_id",
    "client_id",
    "channel",
    "ip",
    "credential",
    "path",
)


def queries_per_record() -> int:
    """How many queries ``audit_record`` adds to a request, for query budgets."""
    return 3 if connection.vendor == "postgresql" else 2


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, fields: dict) -> str:
    """sha256 over the previous hash and the row's hashed fields as canonical JSON."""
    values = {name: fields[name] for name in HASHED}
    values["at"] = _stamp(values["at"])
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _channel(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        if match.namespace == "admin":
            return AuditEntry.Channel.ADMIN
        if (match.url_name or "").startswith("api-"):
            return AuditEntry.Channel.API
    return AuditEntry.Channel.WEB


def _credential(request) -> str:
    """The API token's public prefix (knox stores it to tell tokens apart), or a hash of
    the session key: enough to tell sessions apart, useless to anyone who reads the log."""
    token_key = getattr(getattr(request, "auth", None), "token_key", None)
    if token_key:
        return f"token:{token_key}"
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if key:
        return "session:" + hashlib.sha256(key.encode()).hexdigest()[:24]
    return ""


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        # Conflicts with itself and with other writers, not with readers (audit_verify).
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {AuditEntry._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    # SQLite: every transaction here begins IMMEDIATE (settings), which takes the write lock.


def audit_record(
    *,
    request: HttpRequest | None = None,
    actor: Therapist | None = None,
    action: str,
    object_type: str,
    object_id: int | None = None,
    client_id: int | None = None,
    channel: str | None = None,
) -> AuditEntry:
    """Appends one row to the audit log and returns it. The actor defaults to the request's
    signed-in user; the channel to what the URL says (admin, api or web). Raises whatever
    the database raises: an action that cannot be audited should not look successful."""
    user = getattr(request, "user", None) if actor is None else actor
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    fields = {
        "at": timezone.now(),
        "actor_id": user.pk if user else None,
        "practice_id": user.practice_id if user else None,
        "action": Action(action).value,
        "object_type": object_type,
        "object_id": int(object_id) if object_id is not None else None,
        "client_id": int(client_id) if client_id is not None else None,
        "channel": channel
        or (_channel(request) if request is not None else AuditEntry.Channel.SYSTEM),
        "ip": (request.META.get("REMOTE_ADDR") or "")[:45] if request is not None else "",
        "credential": _credential(request) if request is not None else "",
        "path": request.path[:300] if request is not None else "",
    }
    # savepoint=False: inside a caller's transaction the row commits or rolls back with it.
    with transaction.atomic(savepoint=False):
        _lock_chain()
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        fields["seq"] = seq
        entry = AuditEntry(prev_hash=prev_hash, hash=entry_hash(prev_hash, fields), **fields)
        entry.save(force_insert=True)
    return entry


# --- Verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    id: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    verified: int
    head: str
    broken: ChainBreak | None = None


def _rows() -> Iterator[dict]:
    return (
        AuditEntry.objects.order_by("seq")
        .values("id", "prev_hash", "hash", *HASHED)
        .iterator(chunk_size=2000)
    )


def verify_chain() -> ChainReport:
    """Walks the log in seq order. Stops at the first row that does not follow: a gap in seq
    (a row removed), a prev_hash that is not the previous row's hash (a row slipped in or
    removed), or a hash that does not match the row (a row altered). Removing rows from the
    end leaves no trace inside the log: compare ``head`` with a copy kept elsewhere."""
    prev_hash, expected, verified = GENESIS, 1, 0
    for row in _rows():
        if row["seq"] != expected:
            problem = f"seq {row['seq']} follows {expected - 1}: rows are missing"
        elif row["prev_hash"] != prev_hash:
            problem = "prev_hash is not the previous row's hash"
        elif entry_hash(prev_hash, row) != row["hash"]:
            problem = "hash does not match the row: it was altered"
        else:
            prev_hash, expected, verified = row["hash"], expected + 1, verified + 1
            continue
        return ChainReport(verified, prev_hash, ChainBreak(row["seq"], row["id"], problem))
    return ChainReport(verified, prev_hash)


# --- For views ------------------------------------------------------------------------------


class AuditedList:
    """Mixin for DRF list views: each successful list request appends one row, object id
    empty, the client's id when the URL names one (``pk``). Declare ``audit_object_type``."""

    audit_object_type: str

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        audit_record(
            request=request,
            action=Action.READ,
            object_type=self.audit_object_type,
            client_id=self.kwargs.get("pk"),
        )
        return response


OBJECT_TYPES = {
    "checkin": "check_in",
    "questionnaireresponse": "questionnaire",
    "notetemplate": "template",
}


class AuditedAdmin:
    """Mixin for ModelAdmins of clinical models: opening a row or the list is a read, saving
    is a create or update, deleting is a delete. The object type comes from the model;
    ``audit_client_id(obj)`` says which client a row is about."""

    def audit_client_id(self, obj) -> int | None:
        return getattr(obj, "client_id", None)

    @property
    def audit_object_type(self) -> str:
        name = self.model._meta.model_name
        return OBJECT_TYPES.get(name, name)

    def _audit(self, request, action, obj=None) -> None:
        audit_record(
            request=request,
            action=action,
            object_type=self.audit_object_type,
            object_id=obj.pk if obj is not None else None,
            client_id=self.audit_client_id(obj) if obj is not None else None,
            channel=AuditEntry.Channel.ADMIN,
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            self._audit(request, Action.READ)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            # The object the page shows, without loading it again.
            obj = (getattr(response, "context_data", None) or {}).get("original")
            if obj is not None:
                self._audit(request, Action.READ, obj)
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._audit(request, Action.UPDATE if change else Action.CREATE, obj)

    def delete_model(self, request, obj):
        self._audit(request, Action.DELETE, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit(request, Action.DELETE, obj)
        super().delete_queryset(request, queryset)
