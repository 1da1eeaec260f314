from __future__ import annotations

import datetime as dt
import functools

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from clients.models import Appointment, Channel, Client, Consent, Moment
from continuity.models import Practice, Therapist

PASSWORD = "a-long-test-password"


@functools.cache
def password_hash() -> str:
    return make_password(PASSWORD)


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    short_name = factory.Sequence(lambda n: f"P{n}")


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"therapist{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Therapist {n}")
    practice = factory.SubFactory(PracticeFactory)
    # A real Argon2 hash, made once: hashing per user would cost ~0.2 s a test.
    password = factory.LazyFunction(lambda: password_hash())


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    primary_therapist = factory.SubFactory(TherapistFactory)
    practice = factory.SelfAttribute("primary_therapist.practice")
    preferred_name = factory.Sequence(lambda n: f"Client {n}")
    email = factory.Sequence(lambda n: f"client{n}@example.com")
    phone = "+12025550143"
    preferred_channel = Channel.EMAIL


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    client = factory.SubFactory(ClientFactory)
    channel = Channel.EMAIL
    text_version = "test-1"


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    client = factory.SubFactory(ClientFactory)
    therapist = factory.SelfAttribute("client.primary_therapist")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))


class MomentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Moment

    client = factory.SubFactory(ClientFactory)
    created_by = factory.SelfAttribute("client.primary_therapist")
    date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=2))
    label = "job interview"
