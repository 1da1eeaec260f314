"""REST endpoints for clients and what belongs to them. Thin: each view parses with a small
serializer, calls one service or selector, and answers with an output serializer. Every
lookup goes through the caller (``mine``), so another therapist's id is a 404.

Every successful read or change is written to the audit log (``audit``; lists through
``AuditedList``, one row a request), after the work and before the answer."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.drainage import set_override
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients import services
from clients.links import link_issue, link_url, links_revoke
from clients.models import (
    Appointment,
    Channel,
    CheckIn,
    Client,
    Consent,
    Moment,
    QuestionnaireResponse,
    Signal,
)
from clients.selectors import caseload_for
from clients.signals import signal_acknowledge
from continuity.api.filters import IdFilter
from continuity.audit import Action, AuditedList, audit_record

NAIVE = "Give the time with its UTC offset, e.g. 2030-05-01T09:00:00+02:00 or ...T07:00:00Z."


def mine(request, **filters_):
    """The caller's own clients (any status), with last and next session."""
    return caseload_for(therapist=request.user, status=None).filter(**filters_)


def audit(request, action: str, object_type: str, object_id=None, client_id=None) -> None:
    """One audit row for this API request (ids only)."""
    audit_record(
        request=request,
        action=action,
        object_type=object_type,
        object_id=object_id,
        client_id=client_id,
    )


def my_client(request, pk: int) -> Client:
    return get_object_or_404(mine(request), pk=pk)


def owned_client(request, pk: int) -> Client:
    """The caller's client, without the caseload's annotations: enough to scope by."""
    return get_object_or_404(Client, pk=pk, primary_therapist=request.user)


def my_appointments(request):
    return Appointment.objects.filter(client__primary_therapist=request.user)


def my_moments(request):
    return Moment.objects.filter(client__primary_therapist=request.user)


def my_signals(request):
    return Signal.objects.filter(client__primary_therapist=request.user)


# --- Serializers ------------------------------------------------------------------------------


class NamedChoiceField(serializers.ChoiceField):
    """A choice field documented as one named schema component (``component``), so a choice
    set has one name however many fields use it, and two sets under one field name ("status"
    of a client and of an appointment) do not collide."""

    def __init__(self, *, component: str, **kwargs) -> None:
        self.component = component
        super().__init__(**kwargs)


class NamedChoiceSchema(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField
    match_subclasses = True

    def get_name(self) -> str:
        return self.target.component

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        # The component is shared by inputs and outputs: read-only-ness belongs to each use.
        return {k: v for k, v in schema.items() if k not in ("readOnly", "writeOnly")}


class ChannelField(NamedChoiceField):
    """A contact channel: email, sms or in_app."""

    def __init__(self, **kwargs) -> None:
        super().__init__(component="Channel", choices=Channel.choices, **kwargs)


# Another app's field may document the same choice set under the same name (notes.api did,
# before it could import this one); the schemas are equal, so the shared name is right.
set_override(ChannelField, "suppress_collision_warning", True)


class StrictSerializer(serializers.Serializer):
    """Refuses unknown fields instead of ignoring them: a misspelt field must not look saved."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in sorted(unknown)}
                )
        return super().to_internal_value(data)


class NothingIn(StrictSerializer):
    """For actions that take no input: an empty body or ``{}``."""


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset. A naive time is refused: the caller, the therapist and the
    client may each be in a different zone, so guessing one would move the session."""

    default_error_messages = {"naive": NAIVE}

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class ClientOut(serializers.ModelSerializer):
    time_zone = serializers.CharField(source="time_zone.key")
    # Not an EmailField: "" (no address) is a valid answer, and not a valid email.
    email = serializers.CharField(read_only=True, help_text="Empty when there is none.")
    phone = PhoneNumberField()
    last_session_at = serializers.DateTimeField(allow_null=True, read_only=True)
    next_session_at = serializers.DateTimeField(allow_null=True, read_only=True)
    preferred_channel = ChannelField(read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "preferred_name",
            "status",
            "time_zone",
            "contact_cadence_days",
            "email",
            "phone",
            "preferred_channel",
            "discreet",
            "quiet_hours_start",
            "quiet_hours_end",
            "paused_until",
            "last_session_at",
            "next_session_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ClientIn(StrictSerializer):
    """Create or update a client. Unknown fields are refused, not ignored."""

    preferred_name = serializers.CharField(max_length=80)
    time_zone = serializers.CharField(max_length=64, required=False)
    contact_cadence_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = PhoneNumberField(required=False, allow_blank=True)
    preferred_channel = ChannelField(required=False)
    discreet = serializers.BooleanField(required=False)
    quiet_hours_start = serializers.TimeField(required=False, allow_null=True)
    quiet_hours_end = serializers.TimeField(required=False, allow_null=True)


class ClientFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Client.Status.choices)

    class Meta:
        model = Client
        fields = ["status"]


# --- Views ----------------------------------------------------------------------------------


class ClientList(AuditedList, generics.ListCreateAPIView):
    """The caller's clients, by preferred name; filter with ?status=."""

    audit_object_type = "client"

    queryset = Client.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = ClientOut
    filterset_class = ClientFilter

    def get_queryset(self):
        return mine(self.request)

    @extend_schema(request=ClientIn, responses={201: ClientOut})
    def post(self, request):
        given = ClientIn(data=request.data)
        given.is_valid(raise_exception=True)
        client = services.client_create(therapist=request.user, **given.validated_data)
        audit(request, Action.CREATE, "client", client.pk, client.pk)
        return Response(ClientOut(my_client(request, client.pk)).data, status.HTTP_201_CREATED)


class ClientDetail(APIView):
    @extend_schema(responses=ClientOut)
    def get(self, request, pk: int):
        client = my_client(request, pk)
        audit(request, Action.READ, "client", pk, pk)
        return Response(ClientOut(client).data)

    @extend_schema(request=ClientIn(partial=True), responses=ClientOut)
    def patch(self, request, pk: int):
        client = my_client(request, pk)
        given = ClientIn(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        services.client_update(client=client, **given.validated_data)
        audit(request, Action.UPDATE, "client", pk, pk)
        return Response(ClientOut(my_client(request, pk)).data)


class ClientDischarge(APIView):
    @extend_schema(request=None, responses=ClientOut, summary="Discharge a client")
    def post(self, request, pk: int):
        services.client_discharge(client=my_client(request, pk))
        audit(request, Action.UPDATE, "client", pk, pk)
        return Response(ClientOut(my_client(request, pk)).data)


# --- Filters shared by the lists below ------------------------------------------------------


class AwareIsoDateTimeField(IsoDateTimeField):
    """Like AwareDateTimeField, for query strings: a time without an offset is refused."""

    default_error_messages = {"naive": NAIVE}

    def to_python(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # the parent reports it as invalid
            if parsed is not None and timezone.is_naive(parsed):
                raise DjangoValidationError(self.error_messages["naive"], code="naive")
        return super().to_python(value)


class AwareIsoDateTimeFilter(filters.IsoDateTimeFilter):
    """ISO 8601 with an offset; in a query string, send '+' as %2B (or use Z)."""

    field_class = AwareIsoDateTimeField


class StrictBooleanField(forms.NullBooleanField):
    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise DjangoValidationError("Use true or false.", code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    """true/false; anything else is a 400, not silently no filter at all."""

    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class ClientItems(AuditedList, generics.ListAPIView):
    """A list of what belongs to one of the caller's clients; 404 if the client is not theirs.
    Subclasses name the model through ``queryset`` (``Model.objects.none()``, which the schema
    also reads), the order and ``audit_object_type``."""

    order_by: tuple[str, ...] = ("-created_at", "-id")

    def get_queryset(self):
        client = owned_client(self.request, self.kwargs["pk"])
        return self.queryset.model.objects.filter(client=client).order_by(*self.order_by)


# --- Consent --------------------------------------------------------------------------------


class ConsentOut(serializers.ModelSerializer):
    channel = ChannelField(read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = Consent
        fields = ["id", "client", "channel", "text_version", "granted_at", "withdrawn_at", "active"]
        read_only_fields = fields


class ConsentIn(StrictSerializer):
    channel = ChannelField()
    text_version = serializers.CharField(
        max_length=20, help_text="Version of the consent text the client was shown."
    )


class ChannelIn(StrictSerializer):
    channel = ChannelField()


class ConsentList(ClientItems):
    """The client's consent history, newest first: withdrawn rows stay, granting again adds
    a new one."""

    queryset = Consent.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = ConsentOut
    order_by = ("-granted_at", "-id")
    audit_object_type = "consent"

    @extend_schema(request=ConsentIn, responses={201: ConsentOut}, summary="Record consent")
    def post(self, request, pk: int):
        client = owned_client(request, pk)
        given = ConsentIn(data=request.data)
        given.is_valid(raise_exception=True)
        consent = services.consent_grant(client=client, **given.validated_data)
        audit(request, Action.CREATE, "consent", consent.pk, client.pk)
        return Response(ConsentOut(consent).data, status.HTTP_201_CREATED)


class ConsentWithdraw(APIView):
    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[
            OpenApiParameter(
                "channel", OpenApiTypes.STR, OpenApiParameter.PATH, enum=Channel.values
            )
        ],
        summary="Withdraw consent on a channel",
        description="Closes the active consent on the channel. Idempotent: 204 whether or not "
        "one was active; the consents list shows the history.",
    )
    def post(self, request, pk: int, channel: str):
        client = owned_client(request, pk)
        NothingIn(data=request.data).is_valid(raise_exception=True)
        given = ChannelIn(data={"channel": channel})
        given.is_valid(raise_exception=True)
        services.consent_withdraw(client=client, channel=given.validated_data["channel"])
        audit(request, Action.UPDATE, "consent", None, client.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Appointments ---------------------------------------------------------------------------


class AppointmentStatusField(NamedChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            component="AppointmentStatus", choices=Appointment.Status.choices, **kwargs
        )


class AppointmentOut(serializers.ModelSerializer):
    status = AppointmentStatusField(read_only=True)

    class Meta:
        model = Appointment
        fields = ["id", "client", "therapist", "starts_at", "status"]
        read_only_fields = fields


class AppointmentIn(StrictSerializer):
    starts_at = AwareDateTimeField()
    status = AppointmentStatusField(required=False)


class AppointmentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Appointment.Status.choices)
    after = AwareIsoDateTimeFilter(
        field_name="starts_at", lookup_expr="gte", help_text="Starting at or after this time."
    )
    before = AwareIsoDateTimeFilter(
        field_name="starts_at", lookup_expr="lt", help_text="Starting before this time."
    )

    class Meta:
        model = Appointment
        fields = ["status", "after", "before"]


class AppointmentList(ClientItems):
    """The client's sessions, latest first; filter with ?status=, ?after=, ?before=."""

    queryset = Appointment.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = AppointmentOut
    filterset_class = AppointmentFilter
    order_by = ("-starts_at", "-id")
    audit_object_type = "appointment"

    @extend_schema(request=AppointmentIn, responses={201: AppointmentOut})
    def post(self, request, pk: int):
        client = owned_client(request, pk)
        given = AppointmentIn(data=request.data)
        given.is_valid(raise_exception=True)
        appointment = services.appointment_create(client=client, **given.validated_data)
        audit(request, Action.CREATE, "appointment", appointment.pk, client.pk)
        return Response(AppointmentOut(appointment).data, status.HTTP_201_CREATED)


class AppointmentDetail(APIView):
    @extend_schema(responses=AppointmentOut)
    def get(self, request, pk: int):
        appointment = get_object_or_404(my_appointments(request), pk=pk)
        audit(request, Action.READ, "appointment", pk, appointment.client_id)
        return Response(AppointmentOut(appointment).data)

    @extend_schema(request=AppointmentIn(partial=True), responses=AppointmentOut)
    def patch(self, request, pk: int):
        appointment = get_object_or_404(my_appointments(request), pk=pk)
        given = AppointmentIn(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        services.appointment_update(appointment=appointment, **given.validated_data)
        audit(request, Action.UPDATE, "appointment", pk, appointment.client_id)
        return Response(AppointmentOut(appointment).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        appointment = get_object_or_404(my_appointments(request), pk=pk)
        client_id = appointment.client_id
        services.appointment_delete(appointment=appointment)
        audit(request, Action.DELETE, "appointment", pk, client_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Moments --------------------------------------------------------------------------------


class MomentOut(serializers.ModelSerializer):
    class Meta:
        model = Moment
        fields = ["id", "client", "date", "label", "created_by", "created_at"]
        read_only_fields = fields


class MomentIn(StrictSerializer):
    date = serializers.DateField()
    label = serializers.CharField(max_length=120, help_text="e.g. 'job interview'")


class MomentList(ClientItems):
    """Dates that matter to the client, soonest first."""

    queryset = Moment.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = MomentOut
    order_by = ("date", "id")
    audit_object_type = "moment"

    @extend_schema(request=MomentIn, responses={201: MomentOut})
    def post(self, request, pk: int):
        client = owned_client(request, pk)
        given = MomentIn(data=request.data)
        given.is_valid(raise_exception=True)
        moment = services.moment_create(
            client=client, created_by=request.user, **given.validated_data
        )
        audit(request, Action.CREATE, "moment", moment.pk, client.pk)
        return Response(MomentOut(moment).data, status.HTTP_201_CREATED)


class MomentDetail(APIView):
    @extend_schema(responses=MomentOut)
    def get(self, request, pk: int):
        moment = get_object_or_404(my_moments(request), pk=pk)
        audit(request, Action.READ, "moment", pk, moment.client_id)
        return Response(MomentOut(moment).data)

    @extend_schema(request=MomentIn(partial=True), responses=MomentOut)
    def patch(self, request, pk: int):
        moment = get_object_or_404(my_moments(request), pk=pk)
        given = MomentIn(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        services.moment_update(moment=moment, **given.validated_data)
        audit(request, Action.UPDATE, "moment", pk, moment.client_id)
        return Response(MomentOut(moment).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.moment_delete(therapist=request.user, moment_id=pk)  # 404 unless the caller's
        audit(request, Action.DELETE, "moment", pk)  # the client's id went with the row
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Signals --------------------------------------------------------------------------------


class SignalOut(serializers.ModelSerializer):
    kind = NamedChoiceField(component="SignalKind", choices=Signal.Kind.choices, read_only=True)
    severity = NamedChoiceField(
        component="SignalSeverity", choices=Signal.Severity.choices, read_only=True
    )
    reaction = serializers.SerializerMethodField(help_text="For a reaction; null otherwise.")

    class Meta:
        model = Signal
        fields = [
            "id",
            "client",
            "kind",
            "severity",
            "created_at",
            "reaction",
            "note",
            "check_in",
            "questionnaire",
            "alerted_at",
            "acknowledged_at",
            "acknowledged_by",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Signal.Reaction.choices, allow_null=True))
    def get_reaction(self, signal: Signal) -> str | None:
        return signal.reaction or None


class SignalFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Signal.Kind.choices)
    severity = filters.ChoiceFilter(choices=Signal.Severity.choices)
    unacknowledged = StrictBooleanFilter(
        field_name="acknowledged_at",
        lookup_expr="isnull",
        help_text="true: only signals not yet acknowledged; false: only acknowledged ones.",
    )
    # A plain id, not a choice among clients: the list is already the caller's, so another
    # therapist's client id simply matches nothing.
    client = IdFilter(field_name="client_id", help_text="One of your clients' ids.")
    created_after = AwareIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = AwareIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Signal
        fields = ["kind", "severity", "unacknowledged", "client", "created_after", "created_before"]


class SignalList(AuditedList, generics.ListAPIView):
    """Signals from all the caller's clients, newest first."""

    audit_object_type = "signal"

    queryset = Signal.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = SignalOut
    filterset_class = SignalFilter

    def get_queryset(self):
        return my_signals(self.request).order_by("-created_at", "-id")


class SignalAcknowledge(APIView):
    @extend_schema(
        request=None,
        responses=SignalOut,
        summary="Acknowledge a signal",
        description="Idempotent: acknowledging again keeps the first who and when.",
    )
    def post(self, request, pk: int):
        signal = get_object_or_404(my_signals(request), pk=pk)
        NothingIn(data=request.data).is_valid(raise_exception=True)
        signal_acknowledge(therapist=request.user, client_id=signal.client_id, signal_ids=[pk])
        signal.refresh_from_db()
        audit(request, Action.ACKNOWLEDGE, "signal", pk, signal.client_id)
        return Response(SignalOut(signal).data)


# --- What the client sent (read only) -------------------------------------------------------


class CheckInOut(serializers.ModelSerializer):
    class Meta:
        model = CheckIn
        fields = ["id", "mood", "text", "created_at"]
        read_only_fields = fields


class CheckInList(ClientItems):
    """The client's check-ins, newest first."""

    queryset = CheckIn.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = CheckInOut
    audit_object_type = "check_in"


class QuestionnaireOut(serializers.ModelSerializer):
    instrument = NamedChoiceField(
        component="Instrument", choices=QuestionnaireResponse.Instrument.choices, read_only=True
    )
    answers = serializers.SerializerMethodField(help_text="Item answers, 0–3, in order.")

    class Meta:
        model = QuestionnaireResponse
        fields = ["id", "instrument", "total", "severity", "difficulty", "answers", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_answers(self, response: QuestionnaireResponse) -> list[int]:
        return json.loads(response.answers)


class QuestionnaireList(ClientItems):
    """The client's completed PHQ-9 and GAD-7, newest first."""

    queryset = QuestionnaireResponse.objects.none()  # for the schema; scoped in get_queryset
    serializer_class = QuestionnaireOut
    audit_object_type = "questionnaire"


# --- Private links --------------------------------------------------------------------------


class LinkOut(serializers.Serializer):
    url = serializers.URLField(help_text="Shown once: only a hash of its token is stored.")
    expires_at = serializers.DateTimeField()


class RevokedOut(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="How many links stopped working.")


class LinkIssue(APIView):
    @extend_schema(request=None, responses={201: LinkOut}, summary="Issue a private link")
    def post(self, request, pk: int):
        client = owned_client(request, pk)
        NothingIn(data=request.data).is_valid(raise_exception=True)
        link, token = link_issue(client=client)
        audit(request, Action.ISSUE, "link", link.pk, client.pk)
        out = LinkOut({"url": link_url(token), "expires_at": link.expires_at})
        response = Response(out.data, status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"  # the URL is a credential
        return response


class LinksRevoke(APIView):
    @extend_schema(
        request=None,
        responses=RevokedOut,
        summary="Revoke every private link",
        description="Also signs the client out of every browser.",
    )
    def post(self, request, pk: int):
        client = owned_client(request, pk)
        NothingIn(data=request.data).is_valid(raise_exception=True)
        revoked = links_revoke(client=client)
        audit(request, Action.REVOKE, "link", None, client.pk)
        return Response(RevokedOut({"revoked": revoked}).data)
