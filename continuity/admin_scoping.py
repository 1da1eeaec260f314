"""Row scoping for the Django admin: a therapist sees only their own clients there too.

Superusers (operators) see everything. Every other staff account sees the rows that belong to
clients whose primary therapist they are, and can pick only such clients in forms.

Every list, row opened, save and delete here is written to the audit log (continuity.audit).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet

from continuity.audit import AuditedAdmin


class ClientScopedAdmin(AuditedAdmin, admin.ModelAdmin):
    #: Path from the model to the client's primary therapist, e.g. "client__primary_therapist".
    therapist_path: str = "client__primary_therapist"

    def audit_client_id(self, obj) -> int | None:
        """The client a row is about, from ``therapist_path``: the row itself for a client,
        its ``client_id`` (or its note's) for what belongs to one, none for a template."""
        *to_client, last = self.therapist_path.split("__")
        if last != "primary_therapist":
            return None
        if not to_client:
            return obj.pk
        for part in to_client[:-1]:
            obj = getattr(obj, part)
        return getattr(obj, f"{to_client[-1]}_id")

    def get_queryset(self, request) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{self.therapist_path: request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            from clients.models import Client
            from continuity.models import Practice, Therapist

            user = request.user
            if db_field.related_model is Client:
                kwargs["queryset"] = Client.objects.filter(primary_therapist=user)
            elif db_field.related_model is Therapist:
                kwargs["queryset"] = Therapist.objects.filter(practice_id=user.practice_id)
            elif db_field.related_model is Practice:
                kwargs["queryset"] = Practice.objects.filter(pk=user.practice_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyClientScopedAdmin(ClientScopedAdmin):
    """Rows written by the application (deliveries, what clients sent): readable within the
    same scope, never added, edited or deleted here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
