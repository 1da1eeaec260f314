"""Demo data: one practice, two therapists, thirty clients with 90 days of history.

Deterministic (fixed random seed) and idempotent: a second run finds the demo practice and
changes nothing. Built through the same services the application uses.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from clients import services as client_services
from clients.models import Appointment, Channel, Client
from continuity.models import Practice, Therapist

DEMO_PRACTICE = "Riverside Counselling Collective"
DEMO_PASSWORD = "continuity-demo"  # noqa: S105 - public by design, refused outside development
DEMO_THERAPIST_EMAIL = "therapist@demo.continuity.example"
DEMO_COLLEAGUE_EMAIL = "colleague@demo.continuity.example"
THERAPIST_GROUP = "Therapists"
CONSENT_TEXT_VERSION = "2026-01"

FIRST_NAMES = [
    "Ava", "Ben", "Carmen", "Dev", "Elena", "Femi", "Grace", "Hiro", "Imani", "Jonah",
    "Kai", "Lena", "Marco", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
    "Uma", "Victor", "Wren", "Ximena", "Yusuf", "Zoe", "Alex", "Bea", "Cal", "Dana",
]  # fmt: skip
MOMENT_LABELS = [
    "job interview",
    "court date",
    "first day at the new job",
    "anniversary of dad's death",
    "hard conversation with sister",
    "moving day",
    "results from the doctor",
    "first weekend alone with the kids",
]
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]


@dataclass
class SeedResult:
    created: bool
    therapist_email: str = DEMO_THERAPIST_EMAIL
    colleague_email: str = DEMO_COLLEAGUE_EMAIL
    password: str = DEMO_PASSWORD


def therapist_group() -> Group:
    """The permission group that lets a therapist use the (scoped) admin for their clients."""
    group, _ = Group.objects.get_or_create(name=THERAPIST_GROUP)
    perms = (
        Permission.objects.filter(
            content_type__app_label="clients",
            content_type__model__in=["client", "consent", "appointment", "moment"],
        ).exclude(codename="delete_client")
        | Permission.objects.filter(
            content_type__app_label="continuity", codename__in=["view_practice", "view_therapist"]
        )
        | Permission.objects.filter(
            content_type__app_label="clients",
            codename__in=["view_signal", "view_checkin", "view_questionnaireresponse"],
        )
        | Permission.objects.filter(
            content_type__app_label="notes",
            codename__in=[
                "view_note",
                "view_delivery",
                "view_notetemplate",
                "add_notetemplate",
                "change_notetemplate",
                "delete_notetemplate",
            ],
        )
    )
    group.permissions.set(perms)
    return group


@transaction.atomic
def seed(now: dt.datetime | None = None) -> SeedResult:
    if Practice.objects.filter(name=DEMO_PRACTICE).exists():
        return SeedResult(created=False)
    now = now or timezone.now()
    rng = random.Random(2026)
    practice = Practice.objects.create(
        name=DEMO_PRACTICE, short_name="Riverside", default_time_zone="America/New_York"
    )
    group = therapist_group()
    therapists = [
        Therapist.objects.create_user(
            email=email,
            password=DEMO_PASSWORD,
            display_name=name,
            practice=practice,
            is_staff=True,
            availability_statement=availability,
        )
        for email, name, availability in [
            (DEMO_THERAPIST_EMAIL, "Dr. Maya Okafor", "I read messages on weekdays, 9–5."),
            (DEMO_COLLEAGUE_EMAIL, "Sam Lindqvist, LCSW", "I read messages Mon–Thu, 10–4."),
        ]
    ]
    for therapist in therapists:
        therapist.groups.add(group)

    for index, first_name in enumerate(FIRST_NAMES):
        therapist = therapists[0] if index < 18 else therapists[1]
        _seed_client(rng, therapist, first_name, index, now)
    return SeedResult(created=True)


def _seed_client(
    rng: random.Random, therapist: Therapist, name: str, index: int, now: dt.datetime
) -> Client:
    status = Client.Status.ACTIVE
    if index in (5, 23):
        status = Client.Status.PAUSED
    elif index in (11, 27):
        status = Client.Status.DISCHARGED
    channel = rng.choice([Channel.EMAIL, Channel.SMS, Channel.IN_APP, Channel.EMAIL])
    zone = rng.choice(ZONES)
    quiet = {}
    if rng.random() < 0.8:
        quiet = {"quiet_hours_start": dt.time(21, 0), "quiet_hours_end": dt.time(8, 0)}
    client = client_services.client_create(
        therapist=therapist,
        preferred_name=name,
        status=status,
        time_zone=zone,
        email=f"{name.lower()}@example.com",
        phone=f"+1202555{index + 100:04d}",
        preferred_channel=channel,
        discreet=rng.random() < 0.7,
        contact_cadence_days=rng.choice([7, 7, 14]),
        **quiet,
    )

    consent_at = now - dt.timedelta(days=100 + rng.randint(0, 60))
    for consent_channel in {channel, Channel.IN_APP}:
        client_services.consent_grant(
            client=client, channel=consent_channel, text_version=CONSENT_TEXT_VERSION, at=consent_at
        )

    _seed_appointments(rng, client, zone, now)
    if rng.random() < 0.4:
        client_services.moment_create(
            client=client,
            created_by=therapist,
            date=(now + dt.timedelta(days=rng.randint(0, 20))).date(),
            label=rng.choice(MOMENT_LABELS),
        )
    return client


def _seed_appointments(rng: random.Random, client: Client, zone: str, now: dt.datetime) -> None:
    every = rng.choice([7, 7, 14])
    local_now = now.astimezone(ZoneInfo(zone))
    first = (local_now - dt.timedelta(days=90 - rng.randint(0, 6))).replace(
        hour=rng.choice([9, 10, 11, 13, 14, 15, 16, 17]), minute=0, second=0, microsecond=0
    )
    horizon = now + dt.timedelta(days=21)
    if client.status == Client.Status.DISCHARGED:
        horizon = now - dt.timedelta(days=20)
    starts_at = first
    while starts_at < horizon:
        if starts_at < now:
            status = rng.choices(
                [
                    Appointment.Status.ATTENDED,
                    Appointment.Status.MISSED,
                    Appointment.Status.CANCELLED,
                ],
                weights=[90, 5, 5],
            )[0]
        elif client.status == Client.Status.PAUSED:
            break
        else:
            status = Appointment.Status.SCHEDULED
        client_services.appointment_create(client=client, starts_at=starts_at, status=status)
        starts_at += dt.timedelta(days=every)
