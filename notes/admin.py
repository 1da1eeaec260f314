"""Read-only views of notes and deliveries, scoped like everything else. Notes are written
through the composer (services.note_create), never by editing rows here."""

from __future__ import annotations

from django.contrib import admin, messages

from continuity.admin_scoping import ClientScopedAdmin, ReadOnlyClientScopedAdmin
from notes.models import Delivery, Note, NoteTemplate
from notes.services import note_cancel


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "state", "due_at", "attempts", "sent_at", "reason", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Note)
class NoteAdmin(ReadOnlyClientScopedAdmin):
    list_display = ["id", "client", "therapist", "created_at", "send_at", "cancelled_at"]
    list_select_related = ["client", "therapist"]
    inlines = [DeliveryInline]
    actions = ["cancel_notes"]
    date_hierarchy = "created_at"

    @admin.action(description="Cancel what has not started sending")
    def cancel_notes(self, request, queryset) -> None:
        # The queryset is already scoped to the user's own clients' notes.
        cancelled = sum(note_cancel(therapist=note.therapist, note_id=note.pk) for note in queryset)
        self.message_user(request, f"{cancelled} deliveries cancelled.", messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyClientScopedAdmin):
    therapist_path = "note__client__primary_therapist"
    list_display = ["id", "note", "channel", "state", "due_at", "attempts", "reason"]
    list_filter = ["state", "channel"]
    list_select_related = ["note"]
    date_hierarchy = "due_at"


@admin.register(NoteTemplate)
class NoteTemplateAdmin(ClientScopedAdmin):
    therapist_path = "therapist"
    list_display = ["title", "therapist"]
    exclude = ["therapist"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.therapist = request.user
        super().save_model(request, obj, form, change)
