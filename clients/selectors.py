from __future__ import annotations

from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone

from clients.models import Appointment, Client, Consent


def caseload_for(*, therapist, status: str | None = Client.Status.ACTIVE) -> QuerySet[Client]:
    """The therapist's own clients (never a colleague's), with their last and next session.

    ``status`` None means every status. One query whatever the caseload size.
    """
    now = timezone.now()
    qs = Client.objects.filter(primary_therapist=therapist)
    if status is not None:
        qs = qs.filter(status=status)
    return qs.annotate(
        last_session_at=Max(
            "appointments__starts_at",
            filter=Q(
                appointments__status=Appointment.Status.ATTENDED,
                appointments__starts_at__lte=now,
            ),
        ),
        next_session_at=Min(
            "appointments__starts_at",
            filter=Q(
                appointments__status=Appointment.Status.SCHEDULED,
                appointments__starts_at__gt=now,
            ),
        ),
    ).order_by("preferred_name", "id")


def active_consent_channels(*, client: Client) -> set[str]:
    return set(
        Consent.objects.filter(client=client, withdrawn_at__isnull=True).values_list(
            "channel", flat=True
        )
    )
