"""REST endpoints for practice admins: the practice's staff, and how its deliveries are going.

Only practice admins get in (a therapist gets 403: that is about their role, not about an
object). Every lookup goes through the admin's own practice, so another practice's ids are
404s. Staff changes are written to the audit log. Delivery health is operational: ids,
channels, states and reasons, never note text, client names or contact details, which only a
client's own therapist may see.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Channel
from continuity import services
from continuity.api.permissions import IsPracticeAdmin
from continuity.audit import Action, audit_record
from continuity.models import Therapist
from notes.models import Delivery

HEALTH_DEFAULT_DAYS = 7
HEALTH_MAX_DAYS = 90
HEALTH_MAX_FAILURES = 200


def staff(request):
    return Therapist.objects.filter(practice_id=request.user.practice_id).order_by(
        "display_name", "id"
    )


def staff_member(request, pk: int) -> Therapist:
    return get_object_or_404(staff(request), pk=pk)


def delivery_health(*, practice_id: int, since: dt.datetime, now: dt.datetime) -> dict:
    """Two queries whatever the volume: deliveries due in [since, now] counted by channel and
    state (every pair present, zeros included), and the most recent failures since ``since``.

    Reads ids and operational fields only (``values``): the note's encrypted body is never
    loaded. Belongs with the other delivery reads in notes/selectors.py.
    """
    practice_deliveries = Delivery.objects.filter(note__client__practice_id=practice_id)
    counted = {
        (row["channel"], row["state"]): row["n"]
        for row in practice_deliveries.filter(due_at__gte=since, due_at__lte=now)
        .values("channel", "state")
        .annotate(n=Count("id"))
        .order_by()
    }
    counts = [
        {"channel": channel, "state": state, "count": counted.get((channel, state), 0)}
        for channel in Channel.values
        for state in Delivery.State.values
    ]
    failures = [
        {
            "delivery_id": row["id"],
            "channel": row["channel"],
            "reason": row["reason"],
            "failed_at": row["failed_at"],
            "therapist_id": row["note__therapist_id"],
            "client_id": row["note__client_id"],
        }
        for row in practice_deliveries.filter(state=Delivery.State.FAILED, failed_at__gte=since)
        .order_by("-failed_at", "-id")
        .values("id", "channel", "reason", "failed_at", "note__therapist_id", "note__client_id")[
            :HEALTH_MAX_FAILURES
        ]
    ]
    return {"since": since, "counts": counts, "failures": failures}


# --- Serializers ------------------------------------------------------------------------------


class StrictIn(serializers.Serializer):
    """Unknown fields are refused, not ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in sorted(unknown)}
                )
        return super().to_internal_value(data)


class TherapistOut(serializers.ModelSerializer):
    time_zone = serializers.CharField(source="time_zone.key")

    class Meta:
        model = Therapist
        fields = ["id", "email", "display_name", "role", "is_active", "time_zone", "date_joined"]
        read_only_fields = fields


class TherapistCreateIn(StrictIn):
    email = serializers.EmailField()
    display_name = serializers.CharField(max_length=120)
    role = serializers.ChoiceField(choices=Therapist.Role.choices, required=False)
    password = serializers.CharField(
        max_length=200,
        required=False,
        write_only=True,
        trim_whitespace=False,
        help_text="Optional: without one the account cannot sign in until a password is set.",
    )


class TherapistUpdateIn(StrictIn):
    display_name = serializers.CharField(max_length=120, required=False)
    role = serializers.ChoiceField(choices=Therapist.Role.choices, required=False)
    is_active = serializers.BooleanField(
        required=False,
        help_text="false deactivates the account and revokes its API tokens.",
    )


class DaysIn(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1, max_value=HEALTH_MAX_DAYS, default=HEALTH_DEFAULT_DAYS, required=False
    )


class DeliveryCountOut(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    state = serializers.ChoiceField(choices=Delivery.State.choices)
    count = serializers.IntegerField()


class DeliveryFailureOut(serializers.Serializer):
    delivery_id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    reason = serializers.CharField()
    failed_at = serializers.DateTimeField()
    therapist_id = serializers.IntegerField()
    client_id = serializers.IntegerField()


class DeliveryHealthOut(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField()
    counts = DeliveryCountOut(
        many=True, help_text="Deliveries due in the window, by channel and state."
    )
    failures = DeliveryFailureOut(
        many=True,
        help_text=f"Failures in the window, newest first, at most {HEALTH_MAX_FAILURES}.",
    )


# --- Views ----------------------------------------------------------------------------------


class TherapistList(generics.ListCreateAPIView):
    """The practice's staff (therapists and admins, active or not), by name."""

    permission_classes = [IsPracticeAdmin]
    queryset = Therapist.objects.none()  # for the schema; get_queryset scopes to the practice
    serializer_class = TherapistOut

    def get_queryset(self):
        return staff(self.request)

    @extend_schema(request=TherapistCreateIn, responses={201: TherapistOut})
    def post(self, request):
        given = TherapistCreateIn(data=request.data)
        given.is_valid(raise_exception=True)
        therapist = services.therapist_create(
            practice=request.user.practice, **given.validated_data
        )
        audit_record(
            request=request, action=Action.CREATE, object_type="therapist", object_id=therapist.pk
        )
        return Response(TherapistOut(therapist).data, status.HTTP_201_CREATED)


class TherapistDetail(APIView):
    permission_classes = [IsPracticeAdmin]

    @extend_schema(responses=TherapistOut)
    def get(self, request, pk: int):
        return Response(TherapistOut(staff_member(request, pk)).data)

    @extend_schema(request=TherapistUpdateIn, responses=TherapistOut)
    def patch(self, request, pk: int):
        therapist = staff_member(request, pk)
        given = TherapistUpdateIn(data=request.data)
        given.is_valid(raise_exception=True)
        services.therapist_update(therapist=therapist, by=request.user, **given.validated_data)
        audit_record(request=request, action=Action.UPDATE, object_type="therapist", object_id=pk)
        return Response(TherapistOut(therapist).data)


class DeliveryHealth(APIView):
    permission_classes = [IsPracticeAdmin]

    @extend_schema(
        parameters=[DaysIn],
        responses=DeliveryHealthOut,
        summary="Delivery health for the practice",
    )
    def get(self, request):
        given = DaysIn(data=request.query_params)
        given.is_valid(raise_exception=True)
        days, now = given.validated_data["days"], timezone.now()
        since = now - dt.timedelta(days=days)
        health = delivery_health(practice_id=request.user.practice_id, since=since, now=now)
        return Response(DeliveryHealthOut({"days": days, **health}).data)
