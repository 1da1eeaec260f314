from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet

from continuity.models import Heartbeat, Practice, Therapist


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
