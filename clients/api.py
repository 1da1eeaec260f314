"""REST endpoints for clients and what belongs to them. Thin: each view parses with a small
serializer, calls one service or selector, and answers with an output serializer. Every
lookup goes through the caller (``mine``), so another therapist's id is a 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients import services
from clients.models import Channel, Client
from clients.selectors import caseload_for


def mine(request, **filters_):
    """The caller's own clients (any status), with last and next session."""
    return caseload_for(therapist=request.user, status=None).filter(**filters_)


def my_client(request, pk: int) -> Client:
    return get_object_or_404(mine(request), pk=pk)


# --- Serializers ------------------------------------------------------------------------------


class ClientOut(serializers.ModelSerializer):
    time_zone = serializers.CharField(source="time_zone.key")
    phone = PhoneNumberField()
    last_session_at = serializers.DateTimeField(allow_null=True, read_only=True)
    next_session_at = serializers.DateTimeField(allow_null=True, read_only=True)

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


class ClientIn(serializers.Serializer):
    """Create or update a client. Unknown fields are refused, not ignored."""

    preferred_name = serializers.CharField(max_length=80)
    time_zone = serializers.CharField(max_length=64, required=False)
    contact_cadence_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = PhoneNumberField(required=False, allow_blank=True)
    preferred_channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    discreet = serializers.BooleanField(required=False)
    quiet_hours_start = serializers.TimeField(required=False, allow_null=True)
    quiet_hours_end = serializers.TimeField(required=False, allow_null=True)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in sorted(unknown)}
                )
        return super().to_internal_value(data)


class ClientFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Client.Status.choices)

    class Meta:
        model = Client
        fields = ["status"]


# --- Views ----------------------------------------------------------------------------------


class ClientList(generics.ListCreateAPIView):
    """The caller's clients, by preferred name; filter with ?status=."""

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
        return Response(ClientOut(my_client(request, client.pk)).data, status.HTTP_201_CREATED)


class ClientDetail(APIView):
    @extend_schema(responses=ClientOut)
    def get(self, request, pk: int):
        return Response(ClientOut(my_client(request, pk)).data)

    @extend_schema(request=ClientIn(partial=True), responses=ClientOut)
    def patch(self, request, pk: int):
        client = my_client(request, pk)
        given = ClientIn(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        services.client_update(client=client, **given.validated_data)
        return Response(ClientOut(my_client(request, pk)).data)


class ClientDischarge(APIView):
    @extend_schema(request=None, responses=ClientOut, summary="Discharge a client")
    def post(self, request, pk: int):
        services.client_discharge(client=my_client(request, pk))
        return Response(ClientOut(my_client(request, pk)).data)
