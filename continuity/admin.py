from __future__ import annotations

import csv

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from continuity.audit import HASHED, Action, audit_record
from continuity.models import AuditEntry, Heartbeat, Practice, Therapist


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "default_time_zone"]
    search_fields = ["name", "short_name"]

    def get_queryset(self, request) -> QuerySet:
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(pk=request.user.practice_id)

    def has_change_permission(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        return request.user.role == Therapist.Role.PRACTICE_ADMIN and super().has_change_permission(
            request, obj
        )


@admin.register(Therapist)
class TherapistAdmin(UserAdmin):
    ordering = ["display_name"]
    list_display = ["display_name", "email", "practice", "role", "is_active"]
    list_filter = ["role", "is_active", "practice"]
    search_fields = ["display_name", "email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "Profile",
            {
                "fields": [
                    "display_name",
                    "practice",
                    "role",
                    "availability_statement",
                    "time_zone",
                    "alert_phone",
                ]
            },
        ),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "display_name", "practice", "role", "password1", "password2"],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request) -> QuerySet:
        qs = super().get_queryset(request).select_related("practice")
        user = request.user
        if user.is_superuser:
            return qs
        if user.role == Therapist.Role.PRACTICE_ADMIN:
            return qs.filter(practice_id=user.practice_id)
        return qs.filter(pk=user.pk)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["practice", "is_superuser", "is_staff", "groups", "user_permissions", "role"]
        return fields


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "seen_at"]


AUDIT_CSV_COLUMNS = [*HASHED, "prev_hash", "hash"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The practice's audit log, for its practice admins (and operators): browse and export,
    never change. Exporting is itself audited."""

    list_display = ["seq", "at", "actor", "action", "object_type", "object_id", "client_id"]
    list_filter = ["action", "object_type", "channel", ("actor", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["actor"]
    date_hierarchy = "at"
    actions = ["export_csv"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def get_queryset(self, request) -> QuerySet:
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(practice_id=request.user.practice_id)

    def _may_read(self, request) -> bool:
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and (user.is_superuser or user.role == Therapist.Role.PRACTICE_ADMIN)
        )

    def has_module_permission(self, request) -> bool:
        return self._may_read(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._may_read(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Export the selected entries as CSV")
    def export_csv(self, request, queryset) -> HttpResponse:
        # The queryset is already scoped to the admin's practice.
        rows = queryset.order_by("seq").values_list(*AUDIT_CSV_COLUMNS)
        audit_record(request=request, action=Action.EXPORT, object_type="audit_log")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        writer = csv.writer(response)
        writer.writerow(AUDIT_CSV_COLUMNS)
        writer.writerows(rows)
        return response
