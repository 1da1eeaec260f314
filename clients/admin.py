from __future__ import annotations

from django.contrib import admin, messages

from clients.links import link_issue, link_url, links_revoke
from clients.models import (
    Appointment,
    CheckIn,
    Client,
    Consent,
    Moment,
    QuestionnaireResponse,
    Signal,
)
from continuity.admin_scoping import ClientScopedAdmin, ReadOnlyClientScopedAdmin


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ["channel", "text_version", "granted_at", "withdrawn_at"]


@admin.register(Client)
class ClientAdmin(ClientScopedAdmin):
    therapist_path = "primary_therapist"
    list_display = ["preferred_name", "status", "primary_therapist", "preferred_channel"]
    list_filter = ["status", "preferred_channel"]
    list_select_related = ["primary_therapist"]
    search_fields = ["preferred_name"]
    inlines = [ConsentInline]
    actions = ["fresh_link", "revoke_links", "invite_phq9", "invite_gad7"]
    fieldsets = [
        (None, {"fields": ["practice", "primary_therapist", "preferred_name", "status"]}),
        ("Contact", {"fields": ["email", "phone", "preferred_channel", "discreet"]}),
        (
            "Boundaries",
            {
                "fields": [
                    "time_zone",
                    "quiet_hours_start",
                    "quiet_hours_end",
                    "contact_cadence_days",
                ]
            },
        ),
    ]

    @admin.action(description="Make a fresh private link (shown once)")
    def fresh_link(self, request, queryset) -> None:
        from django.core.exceptions import ValidationError

        for client in queryset[:5]:
            try:
                _, token = link_issue(client=client)
            except ValidationError:
                self.message_user(request, f"#{client.pk}: discharged, no link.", messages.ERROR)
                continue
            self.message_user(request, f"#{client.pk}: {link_url(token)}", messages.INFO)

    @admin.action(description="Revoke all private links and sign the client out everywhere")
    def revoke_links(self, request, queryset) -> None:
        revoked = sum(links_revoke(client=client) for client in queryset)
        self.message_user(request, f"{revoked} links revoked.", messages.SUCCESS)

    def _invite(self, request, queryset, code: str) -> None:
        from django.core.exceptions import ValidationError

        from notes.services import questionnaire_invite

        for client in queryset:
            try:
                questionnaire_invite(therapist=request.user, client=client, code=code)
            except (ValidationError, Client.DoesNotExist) as exc:
                text = "; ".join(getattr(exc, "messages", [])) or "not your client"
                self.message_user(request, f"#{client.pk}: {text}", messages.WARNING)
            else:
                self.message_user(request, f"#{client.pk}: invitation sent.", messages.SUCCESS)

    @admin.action(description="Invite to fill in the PHQ-9")
    def invite_phq9(self, request, queryset) -> None:
        self._invite(request, queryset, "phq9")

    @admin.action(description="Invite to fill in the GAD-7")
    def invite_gad7(self, request, queryset) -> None:
        self._invite(request, queryset, "gad7")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if request.user.practice_id:
            initial.setdefault("practice", request.user.practice_id)
            initial.setdefault("primary_therapist", request.user.pk)
            initial.setdefault("time_zone", request.user.practice.default_time_zone)
        return initial


@admin.register(Consent)
class ConsentAdmin(ClientScopedAdmin):
    list_display = ["client", "channel", "text_version", "granted_at", "withdrawn_at"]
    list_filter = ["channel"]
    list_select_related = ["client"]

    def get_readonly_fields(self, request, obj=None):
        # History is never rewritten: once granted, only the withdrawal can be recorded.
        return ["client", "channel", "text_version", "granted_at"] if obj else []


@admin.register(Appointment)
class AppointmentAdmin(ClientScopedAdmin):
    list_display = ["client", "starts_at", "status", "therapist"]
    list_filter = ["status"]
    list_select_related = ["client", "therapist"]
    date_hierarchy = "starts_at"


@admin.register(Moment)
class MomentAdmin(ClientScopedAdmin):
    list_display = ["client", "date", "label"]
    list_select_related = ["client"]
    exclude = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Signal)
class SignalAdmin(ReadOnlyClientScopedAdmin):
    list_display = ["created_at", "client", "kind", "severity", "reaction", "alerted_at"]
    list_filter = ["severity", "kind"]
    list_select_related = ["client"]
    date_hierarchy = "created_at"


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyClientScopedAdmin):
    list_display = ["created_at", "client", "mood"]
    list_select_related = ["client"]
    fields = ["client", "mood", "text", "created_at"]


@admin.register(QuestionnaireResponse)
class QuestionnaireResponseAdmin(ReadOnlyClientScopedAdmin):
    list_display = ["created_at", "client", "instrument", "total", "severity"]
    list_filter = ["instrument"]
    list_select_related = ["client"]
