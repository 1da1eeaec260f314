"""REST endpoints for notes, their deliveries and the caller's templates. Thin: each view
parses with a small serializer, calls one service or selector, and answers with an output
serializer. Every lookup goes through the caller, so another therapist's id is a 404.

Note bodies and templates are clinical text: they go back to the therapist who wrote them
and nowhere else, and nothing here logs them. Each read and change is written to the audit
log, ids only (``audit``; lists through ``AuditedList``, one row a request).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, QuerySet
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.api import (
    AwareDateTimeField,
    AwareIsoDateTimeFilter,
    ChannelField,
    NothingIn,
    StrictSerializer,
    audit,
    mine,
    my_moments,
)
from clients.models import Channel, Client, Moment
from continuity.api.filters import IdFilter
from continuity.audit import Action, AuditedList
from notes import services
from notes.models import NOTE_MAX_LENGTH, Delivery, Note, NoteTemplate
from notes.selectors import note_draft

UNKNOWN_CLIENT = "Unknown client."
UNKNOWN_MOMENT = "Unknown moment."


# --- Scoping ----------------------------------------------------------------------------------


def my_notes(request) -> QuerySet[Note]:
    """The notes the caller wrote, each with its deliveries (one extra query per page)."""
    return Note.objects.filter(therapist=request.user).prefetch_related("deliveries")


def my_note(request, pk: int) -> Note:
    return get_object_or_404(my_notes(request), pk=pk)


def my_deliveries(request) -> QuerySet[Delivery]:
    """Deliveries of the caller's notes, latest due first. The client's id comes along in the
    same query, without loading (and decrypting) the note's body."""
    return (
        Delivery.objects.filter(note__therapist=request.user)
        .annotate(client_id=F("note__client_id"))
        .order_by("-due_at", "-id")
    )


def my_templates(request) -> QuerySet[NoteTemplate]:
    return NoteTemplate.objects.filter(therapist=request.user)


def _client_and_moment(
    request, client_id: int | None, moment_id: int | None
) -> tuple[Client | None, Moment | None]:
    """The caller's client and moment named in a body. Someone else's id reads exactly like
    one that does not exist: a 400 on that field, never a hint that it is taken."""
    errors: dict[str, list[str]] = {}
    client = moment = None
    if client_id is not None:
        client = mine(request, pk=client_id).first()
        if client is None:
            errors["client"] = [UNKNOWN_CLIENT]
    if moment_id is not None:
        moment = my_moments(request).filter(pk=moment_id).first()
        if moment is None:
            errors["moment"] = [UNKNOWN_MOMENT]
    if errors:
        raise ValidationError(errors)
    return client, moment


# --- Serializers ------------------------------------------------------------------------------


DELIVERY_FIELDS = [
    "id",
    "channel",
    "state",
    "due_at",
    "sent_at",
    "delivered_at",
    "read_at",
    "failed_at",
    "cancelled_at",
    "skipped_at",
    "reason",
    "attempts",
]


class NoteDeliveryOut(serializers.ModelSerializer):
    channel = ChannelField(read_only=True)

    class Meta:
        model = Delivery
        fields = DELIVERY_FIELDS
        read_only_fields = fields
        extra_kwargs = {"reason": {"help_text": "Why it failed, was skipped or sent otherwise."}}


class DeliveryOut(NoteDeliveryOut):
    note = serializers.IntegerField(source="note_id", read_only=True)
    client = serializers.IntegerField(source="client_id", read_only=True)

    class Meta(NoteDeliveryOut.Meta):
        fields = ["id", "note", "client", *DELIVERY_FIELDS[1:]]
        read_only_fields = fields


class NoteOut(serializers.ModelSerializer):
    # Declared, because a read-only model field would not tell the schema it can be blank.
    questionnaire = serializers.ChoiceField(
        choices=Note._meta.get_field("questionnaire").choices,
        allow_blank=True,
        read_only=True,
        help_text="The note invites the client to fill in this questionnaire; empty if not.",
    )
    deliveries = NoteDeliveryOut(many=True, read_only=True)

    class Meta:
        model = Note
        fields = [
            "id",
            "client",
            "body",
            "send_at",
            "moment",
            "questionnaire",
            "created_at",
            "cancelled_at",
            "deliveries",
        ]
        read_only_fields = fields


class NoteIn(StrictSerializer):
    client = serializers.IntegerField(help_text="One of your clients; any other id is unknown.")
    body = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,  # the service trims and says kindly what is wrong
        help_text=f"1 to {NOTE_MAX_LENGTH} characters once trimmed.",
    )
    send_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text="ISO 8601 with offset; empty = now (or the moment's day). Intrusive channels "
        "wait for the end of the client's quiet hours.",
    )
    moment = serializers.IntegerField(
        required=False, allow_null=True, help_text="One of the client's moments: arrive that day."
    )
    channels = serializers.ListField(
        child=ChannelField(),
        required=False,
        allow_empty=False,
        max_length=len(Channel.choices),
        help_text="Default: the preferred channel, plus the private page when consented.",
    )


class NoteEditIn(StrictSerializer):
    body = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text=f"1 to {NOTE_MAX_LENGTH} characters once trimmed; absent = unchanged.",
    )
    send_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text="Reschedule: ISO 8601 with offset, or null for now. Absent (and no moment) = "
        "unchanged.",
    )
    moment = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Reschedule to one of the client's moments. Giving send_at or moment "
        "replaces both.",
    )


class CancelOut(serializers.Serializer):
    cancelled = serializers.IntegerField(help_text="Deliveries stopped; 0 if all had gone.")
    note = NoteOut()


class PreviewIn(StrictSerializer):
    client = serializers.IntegerField(help_text="One of your clients; any other id is unknown.")
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)


class ChannelPreviewOut(serializers.Serializer):
    channel = ChannelField()
    text = serializers.CharField(help_text="Exactly what the client would receive.")
    subject = serializers.CharField(help_text="Email only; empty otherwise.")
    remark = serializers.CharField(help_text="e.g. sent as a link only, and why.")
    encoding = serializers.CharField(help_text="SMS only: GSM-7 or UCS-2; empty otherwise.")
    segments = serializers.IntegerField(allow_null=True, help_text="SMS only: messages it costs.")


class HintOut(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, e.g. 'demands_answer', 'advice'.")
    words = serializers.CharField(help_text="For the therapist.")


class DraftOut(serializers.Serializer):
    length = serializers.IntegerField(help_text="Characters once trimmed.")
    limit = serializers.IntegerField()
    too_long = serializers.BooleanField()
    previews = ChannelPreviewOut(many=True)
    problems = serializers.ListField(
        child=serializers.CharField(), help_text="What stands in the way of sending it."
    )
    hints = HintOut(many=True, help_text="Caring-contact suggestions; they never block sending.")


class TemplateOut(serializers.ModelSerializer):
    class Meta:
        model = NoteTemplate
        fields = ["id", "title", "body", "created_at"]
        read_only_fields = fields


class TemplateIn(StrictSerializer):
    title = serializers.CharField(allow_blank=True, trim_whitespace=False)
    body = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="'{first_name}' becomes the client's preferred name.",
    )


# --- Filters ----------------------------------------------------------------------------------


class NoteFilter(filters.FilterSet):
    client = IdFilter(field_name="client_id")
    state = filters.ChoiceFilter(
        choices=Delivery.State.choices,
        method="with_delivery_in",
        label="Notes with at least one delivery in this state.",
    )
    created_after = AwareIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = AwareIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Note
        fields = ["client", "state", "created_after", "created_before"]

    def with_delivery_in(self, queryset, name, value):
        return queryset.filter(Exists(Delivery.objects.filter(note=OuterRef("pk"), state=value)))


class DeliveryFilter(filters.FilterSet):
    note = IdFilter(field_name="note_id")
    client = IdFilter(field_name="note__client_id")
    channel = filters.ChoiceFilter(choices=Channel.choices)
    state = filters.ChoiceFilter(choices=Delivery.State.choices)

    class Meta:
        model = Delivery
        fields = ["note", "client", "channel", "state"]


# --- Notes ------------------------------------------------------------------------------------


class NoteList(AuditedList, generics.ListAPIView):
    """The notes the caller wrote, newest first, each with its deliveries."""

    audit_object_type = "note"

    queryset = Note.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = NoteOut
    filterset_class = NoteFilter

    def get_queryset(self):
        return my_notes(self.request)

    @extend_schema(
        request=NoteIn,
        responses={201: NoteOut},
        summary="Send or schedule a note",
        description="An id that is not one of your clients (or their moments) is a 400 on "
        "that field, 'Unknown client.' / 'Unknown moment.', whether or not it exists.",
    )
    def post(self, request):
        given = NoteIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        client, moment = _client_and_moment(request, data["client"], data.get("moment"))
        note = services.note_create(
            therapist=request.user,
            client=client,
            body=data["body"],
            send_at=data.get("send_at"),
            moment=moment,
            channels_=data.get("channels"),
        )
        audit(request, Action.CREATE, "note", note.pk, client.pk)
        return Response(NoteOut(my_note(request, note.pk)).data, status.HTTP_201_CREATED)


class NoteDetail(APIView):
    @extend_schema(responses=NoteOut)
    def get(self, request, pk: int):
        note = my_note(request, pk)
        audit(request, Action.READ, "note", pk, note.client_id)
        return Response(NoteOut(note).data)

    @extend_schema(
        request=NoteEditIn,
        responses=NoteOut,
        summary="Rewrite or reschedule a note",
        description="Only while every delivery is still scheduled; a 400 once it is on its way.",
    )
    def patch(self, request, pk: int):
        note = my_note(request, pk)
        given = NoteEditIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        _, moment = _client_and_moment(request, None, data.get("moment"))
        timing = {}
        if "send_at" in data or "moment" in data:
            timing = {"send_at": data.get("send_at"), "moment": moment}
        services.note_edit(
            therapist=request.user, note_id=note.pk, body=data.get("body", note.body), **timing
        )
        audit(request, Action.UPDATE, "note", pk, note.client_id)
        return Response(NoteOut(my_note(request, pk)).data)


class NoteCancel(APIView):
    @extend_schema(request=None, responses=CancelOut, summary="Cancel what has not gone yet")
    def post(self, request, pk: int):
        note = my_note(request, pk)
        NothingIn(data=request.data).is_valid(raise_exception=True)
        cancelled = services.note_cancel(therapist=request.user, note_id=note.pk)
        audit(request, Action.CANCEL, "note", pk, note.client_id)
        out = {"cancelled": cancelled, "note": my_note(request, pk)}
        return Response(CancelOut(out).data)


class NotePreview(APIView):
    @extend_schema(
        request=PreviewIn,
        responses=DraftOut,
        summary="Preview a draft",
        description="What each channel would carry, SMS segments and caring-contact hints. "
        "Sends and saves nothing.",
    )
    def post(self, request):
        given = PreviewIn(data=request.data)
        given.is_valid(raise_exception=True)
        client, _ = _client_and_moment(request, given.validated_data["client"], None)
        draft = note_draft(therapist=request.user, client=client, body=given.validated_data["body"])
        audit(request, Action.READ, "client", client.pk, client.pk)  # its contact channels
        return Response(DraftOut(draft).data)


# --- Deliveries -------------------------------------------------------------------------------


class DeliveryList(AuditedList, generics.ListAPIView):
    """Deliveries of the caller's notes, latest due first."""

    audit_object_type = "delivery"

    queryset = Delivery.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = DeliveryOut
    filterset_class = DeliveryFilter

    def get_queryset(self):
        return my_deliveries(self.request)


class DeliveryDetail(APIView):
    @extend_schema(responses=DeliveryOut)
    def get(self, request, pk: int):
        delivery = get_object_or_404(my_deliveries(request), pk=pk)
        audit(request, Action.READ, "delivery", pk, delivery.client_id)
        return Response(DeliveryOut(delivery).data)


# --- Templates --------------------------------------------------------------------------------


class TemplateList(AuditedList, generics.ListAPIView):
    """The caller's own templates, by title."""

    audit_object_type = "template"

    queryset = NoteTemplate.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = TemplateOut

    def get_queryset(self):
        return my_templates(self.request)

    @extend_schema(request=TemplateIn, responses={201: TemplateOut}, summary="Add a template")
    def post(self, request):
        given = TemplateIn(data=request.data)
        given.is_valid(raise_exception=True)
        template = services.template_save(therapist=request.user, **given.validated_data)
        audit(request, Action.CREATE, "template", template.pk)
        return Response(TemplateOut(template).data, status.HTTP_201_CREATED)


class TemplateDetail(APIView):
    @extend_schema(responses=TemplateOut)
    def get(self, request, pk: int):
        template = get_object_or_404(my_templates(request), pk=pk)
        audit(request, Action.READ, "template", pk)
        return Response(TemplateOut(template).data)

    @extend_schema(request=TemplateIn(partial=True), responses=TemplateOut)
    def patch(self, request, pk: int):
        template = get_object_or_404(my_templates(request), pk=pk)
        given = TemplateIn(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        template = services.template_save(
            therapist=request.user,
            template_id=template.pk,
            title=given.validated_data.get("title", template.title),
            body=given.validated_data.get("body", template.body),
        )
        audit(request, Action.UPDATE, "template", pk)
        return Response(TemplateOut(template).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        services.template_delete(therapist=request.user, template_id=pk)
        audit(request, Action.DELETE, "template", pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
