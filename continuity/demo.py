"""Demo data: one practice, two therapists, thirty clients with 90 days of history.

Deterministic (fixed random seed) and idempotent: a second run finds the demo practice and
changes nothing. Clients, consents, sessions and moments are built through the application's
services. Between-session activity (notes, deliveries, check-ins, questionnaires, signals) is
written as rows directly, back-dated relative to now, so nothing is queued for a worker and
no urgent signal waits for an alert: the dashboard looks alive on any day.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from clients import questionnaires
from clients import services as client_services
from clients.models import Appointment, Channel, CheckIn, Client, QuestionnaireResponse, Signal
from clients.signals import has_risk_language
from continuity.models import Practice, Therapist
from notes import channels as note_channels
from notes import services as note_services
from notes.models import Delivery, Note
from notes.scheduling import local_day_at, next_allowed

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

    clients = {}
    for index, first_name in enumerate(FIRST_NAMES):
        therapist = therapists[0] if index < 18 else therapists[1]
        clients[first_name] = _seed_client(rng, therapist, first_name, index, now)
    _seed_therapist_activity(Activity(now, therapists[0], clients))
    _seed_colleague_activity(Activity(now, therapists[1], clients))
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


# --- Between-session activity: rows written directly, times relative to now ---------------

RISK_CHECK_IN = "Rough week. Some days I feel like I can't go on."
FAILED_SMS_REASON = "Carrier could not deliver the text (Twilio error 30006)."
NOTE_BODIES = [
    "{first_name}, I was thinking of you today and the steps you have been taking. "
    "No need to reply.",
    "{first_name}, a short note to say you have been on my mind this week. No need to reply.",
    "{first_name}, I have been holding our last conversation in mind. It mattered to me. "
    "No need to reply.",
]
TEMPLATES = [
    ("Thinking of you", "{first_name}, I was thinking of you today and hoping this week is "
     "being kind to you. No need to reply."),
    ("After a hard session", "{first_name}, I have been thinking about what you shared this "
     "week. It took courage, and I am glad you told me. No need to reply."),
    ("Before a big day", "{first_name}, I know today matters. I am thinking of you, whatever "
     "happens. No need to reply."),
]  # fmt: skip
COLLEAGUE_TEMPLATE = ("Checking in", "{first_name}, you crossed my mind today. No need to reply.")
CHECK_IN_TEXTS = {
    24: "Slept badly again.",
    16: "Good walk with the dog.",
    10: "Work is a lot right now.",
    3: "Tired. Didn't leave the house much.",
    1: "Quiet day.",
}


@dataclass
class Activity:
    now: dt.datetime
    therapist: Therapist
    clients: dict[str, Client]

    def ago(self, days: float = 0, hours: float = 0) -> dt.datetime:
        return self.now - dt.timedelta(days=days, hours=hours)

    def signal(
        self,
        client: Client,
        kind: str,
        at: dt.datetime,
        *,
        seen: bool = False,
        severity: str = Signal.Severity.INFO,
        **refs,
    ) -> Signal:
        """A signal as the client's side raises it. Urgent ones count as already alerted, so
        clients.tasks.alert_sweep leaves demo rows alone."""
        urgent = severity == Signal.Severity.URGENT
        return Signal.objects.create(
            client=client,
            kind=kind,
            severity=severity,
            created_at=at,
            alerted_at=at + dt.timedelta(minutes=1) if urgent else None,
            acknowledged_at=min(at + dt.timedelta(hours=3), self.now) if seen else None,
            acknowledged_by=self.therapist if seen else None,
            **refs,
        )

    def hard_time(self, name: str, at: dt.datetime, *, seen: bool = False) -> Signal:
        urgent = Signal.Severity.URGENT
        return self.signal(
            self.clients[name], Signal.Kind.HARD_TIME, at, severity=urgent, seen=seen
        )

    def check_in(
        self, name: str, at: dt.datetime, mood: int, text: str = "", *, seen: bool = False
    ) -> CheckIn:
        """A check-in and its signal, as check_in_record makes them: risk language in the text
        is urgent (and, here, already alerted), anything else is information."""
        client = self.clients[name]
        check_in = CheckIn.objects.create(client=client, mood=mood, text=text, created_at=at)
        if has_risk_language(text):
            urgent = Signal.Severity.URGENT
            self.signal(client, Signal.Kind.RISK_LANGUAGE, at, check_in=check_in, severity=urgent)
        else:
            self.signal(client, Signal.Kind.CHECK_IN, at, check_in=check_in, seen=seen)
        return check_in

    def check_ins(self, name: str, moods: list[tuple[int, int]], *, open_days: int = 0) -> None:
        """(days ago, mood) check-ins, oldest first; the therapist has acknowledged those older
        than ``open_days``."""
        for days, mood in moods:
            at = self.ago(days, hours=2 + days % 5)
            self.check_in(name, at, mood, CHECK_IN_TEXTS.get(days, ""), seen=days > open_days)

    def sent_note(
        self,
        name: str,
        days: float,
        body: str,
        *,
        read: bool = True,
        sms_fails: bool = False,
        reaction: str = "",
        questionnaire: str = "",
    ) -> Note:
        """A note that went out ``days`` ago on the client's default channels."""
        client, at = self.clients[name], self.ago(days)
        note = Note.objects.create(
            therapist=self.therapist,
            client=client,
            body=body.replace("{first_name}", client.preferred_name),
            questionnaire=questionnaire,
            created_at=at,
        )
        for channel in note_services.default_channels(client):
            Delivery.objects.create(
                note=note, channel=channel, **_sent(channel, at, read, sms_fails)
            )
        if reaction:
            later = min(at + dt.timedelta(hours=5), self.now)
            self.signal(client, Signal.Kind.REACTION, later, note=note, reaction=reaction)
        return note

    def moment(self, name: str, days_ahead: int, label: str):
        client = self.clients[name]
        local_today = self.now.astimezone(client.time_zone).date()
        return client_services.moment_create(
            client=client,
            created_by=self.therapist,
            date=local_today + dt.timedelta(days=days_ahead),
            label=label,
        )

    def scheduled_note(self, name: str, moment, body: str) -> Note:
        """A note waiting for the morning of the client's moment, as note_create leaves one:
        scheduled deliveries, quiet hours applied; no worker is asked to do anything."""
        client = self.clients[name]
        send_at = local_day_at(client, moment.date, settings.NOTE_MOMENT_LOCAL_HOUR)
        note = Note.objects.create(
            therapist=self.therapist,
            client=client,
            body=body.replace("{first_name}", client.preferred_name),
            send_at=send_at,
            moment=moment,
            created_at=self.ago(hours=20),
        )
        for channel in note_services.default_channels(client):
            intrusive = note_channels.get(channel).intrusive
            due_at = next_allowed(client, send_at) if intrusive else send_at
            # Delivery's default state is "scheduled": the sweeper picks it up when due.
            Delivery.objects.create(
                note=note, channel=channel, due_at=due_at, created_at=note.created_at
            )
        return note

    def phq9(
        self,
        name: str,
        days: float,
        answers: list[int],
        difficulty: int,
        *,
        previous: int | None = None,
        seen: bool = False,
    ) -> QuestionnaireResponse:
        """A PHQ-9 scored by the real instrument, with the signals questionnaire_submit raises
        (item 9 is left at 0 here: no urgent item-9 signal in the demo)."""
        client, at = self.clients[name], self.ago(days)
        result = questionnaires.score(questionnaires.PHQ9, answers, difficulty)
        response = QuestionnaireResponse.objects.create(
            client=client,
            instrument=QuestionnaireResponse.Instrument.PHQ9,
            answers=json.dumps(list(result.answers)),
            difficulty=difficulty,
            total=result.total,
            severity=result.severity,
            created_at=at,
        )
        self.signal(client, Signal.Kind.QUESTIONNAIRE, at, questionnaire=response, seen=seen)
        if questionnaires.change(questionnaires.PHQ9, previous, result.total) == "deterioration":
            self.signal(
                client,
                Signal.Kind.DETERIORATION,
                at,
                questionnaire=response,
                severity=Signal.Severity.ATTENTION,
                seen=seen,
            )
        return response


def _sent(channel: str, at: dt.datetime, read: bool, sms_fails: bool) -> dict:
    """Delivery fields for a note sent at ``at``: email and SMS reach the provider and are
    delivered (or the carrier rejects the SMS); the private page is read, or not yet."""
    fields = {"due_at": at, "queued_at": at, "sending_at": at, "attempts": 1, "created_at": at}
    fields["sent_at"] = at + dt.timedelta(seconds=2)
    if channel != Channel.IN_APP:
        fields["provider_message_id"] = f"demo-{channel}-{at.timestamp():.0f}"
    if channel == Channel.SMS and sms_fails:
        reason = FAILED_SMS_REASON
        failed_at = at + dt.timedelta(minutes=1)
        return fields | {"state": Delivery.State.FAILED, "failed_at": failed_at, "reason": reason}
    if channel != Channel.IN_APP:
        delivered_at = at + dt.timedelta(seconds=30)
        return fields | {"state": Delivery.State.DELIVERED, "delivered_at": delivered_at}
    if read:
        return fields | {"state": Delivery.State.READ, "read_at": at + dt.timedelta(hours=4)}
    return fields | {"state": Delivery.State.SENT}


def _mood_series(first: int, mood_at, last: int = 0) -> list[tuple[int, int]]:
    """A check-in every other day from ``first`` days ago to ``last``: (days ago, mood)."""
    return [(days, mood_at(days)) for days in range(first, last - 1, -2)]


def _seed_therapist_activity(act: Activity) -> None:
    """Stories, one per client, so each reason the dashboard ranks by shows at least once."""
    # Urgent: asked for support two hours ago; risk language in this morning's check-in.
    act.sent_note("Ava", 6, NOTE_BODIES[0])
    act.hard_time("Ava", act.ago(hours=2))
    act.check_ins("Carmen", [(12, 5), (8, 4), (5, 4)], open_days=-1)
    act.check_in("Carmen", act.ago(hours=5), 2, RISK_CHECK_IN)
    # Signs of decline: a PHQ-9 that rose reliably (8, mild → 15, moderately severe) …
    invite = note_services.QUESTIONNAIRE_INVITATION.format(title="PHQ-9")
    act.sent_note("Dev", 25, invite, questionnaire="phq9")
    act.phq9("Dev", 24, [1, 1, 1, 2, 1, 1, 1, 0, 0], 1, seen=True)
    act.sent_note("Dev", 3, invite, questionnaire="phq9")
    act.phq9("Dev", 2, [2, 2, 2, 3, 2, 2, 1, 1, 0], 2, previous=8)
    # … and a mood falling from about 7 to 3 in the last week, against a steady one.
    usual = _mood_series(26, lambda d: 7 - (d % 6 == 0), last=8)
    act.check_ins("Grace", [*usual, (5, 5), (3, 4), (1, 3)], open_days=4)
    act.check_ins("Imani", _mood_series(26, lambda d: 6 + d % 4 // 2))
    act.check_ins("Rosa", _mood_series(25, lambda d: 3 + (26 - d) // 8), open_days=-1)
    # Notes sent, read and answered; one SMS the carrier rejected.
    act.sent_note("Ben", 4, NOTE_BODIES[1], reaction=Signal.Reaction.THANK_YOU)
    act.sent_note("Hiro", 9, NOTE_BODIES[2], reaction=Signal.Reaction.RECEIVED)
    act.sent_note("Marco", 5, NOTE_BODIES[1], reaction=Signal.Reaction.HELPED)
    act.sent_note("Elena", 2, NOTE_BODIES[2], read=False)
    act.sent_note("Kai", 3, NOTE_BODIES[0], read=False, sms_fails=True)
    # Moments: one today; one in two days with a note already waiting for its morning.
    act.moment("Omar", 0, "hard conversation with sister")
    interview = act.moment("Quinn", 2, "job interview")
    act.scheduled_note("Quinn", interview, TEMPLATES[2][1])
    for title, body in TEMPLATES:
        note_services.template_save(therapist=act.therapist, title=title, body=body)


def _seed_colleague_activity(act: Activity) -> None:
    """A little of the same for the colleague, so scoping is visible in both accounts."""
    act.sent_note("Sam", 3, NOTE_BODIES[0], reaction=Signal.Reaction.HELPED)
    act.check_ins("Victor", _mood_series(14, lambda d: 6 + d % 3 // 2), open_days=-1)
    act.hard_time("Wren", act.ago(days=2), seen=True)
    note_services.template_save(
        therapist=act.therapist, title=COLLEAGUE_TEMPLATE[0], body=COLLEAGUE_TEMPLATE[1]
    )
