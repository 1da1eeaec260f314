"""Writes for practices and their staff. Callers (the practice admin API) scope the objects;
the rules about who may change what live here."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from knox.models import AuthToken

from continuity.models import Practice, Therapist

THERAPIST_EDITABLE = ("display_name", "role", "is_active")
EMAIL_TAKEN = "An account with this email address already exists."


@transaction.atomic
def therapist_create(
    *,
    practice: Practice,
    email: str,
    display_name: str,
    role: str = Therapist.Role.THERAPIST,
    password: str | None = None,
) -> Therapist:
    """Adds a therapist or practice admin to the practice, in the practice's time zone.

    Without a password the account gets an unusable one: it cannot sign in until a password
    is set. Raises ValidationError (nothing saved) for a taken email, a bad field, or a
    password the validators refuse.
    """
    therapist = Therapist(
        practice=practice,
        email=email,
        display_name=(display_name or "").strip(),
        role=role,
        time_zone=practice.default_time_zone,
    )
    therapist.full_clean(exclude=["password"])  # also lower-cases the email, then checks it
    if password is None:
        therapist.set_unusable_password()
    else:
        try:
            password_validation.validate_password(password, therapist)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        therapist.set_password(password)
    try:
        with transaction.atomic():  # a concurrent create of the same email loses here
            therapist.save()
    except IntegrityError as exc:
        raise ValidationError({"email": EMAIL_TAKEN}) from exc
    return therapist


@transaction.atomic
def therapist_update(*, therapist: Therapist, by: Therapist, **fields) -> Therapist:
    """Changes any of THERAPIST_EDITABLE; ``by`` is the practice admin making the change.

    Admins cannot deactivate or demote themselves, so a practice never loses its last admin
    by accident. Deactivating revokes every API token the therapist holds. Raises
    ValidationError and saves nothing for an unknown field, a bad value or a forbidden change.
    """
    unknown = set(fields) - set(THERAPIST_EDITABLE)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    if therapist.pk == by.pk:
        if fields.get("is_active") is False:
            raise ValidationError({"is_active": "You cannot deactivate your own account."})
        if fields.get("role", therapist.role) != therapist.role:
            raise ValidationError({"role": "You cannot change your own role."})
    if "display_name" in fields:
        fields["display_name"] = (fields["display_name"] or "").strip()
    for name, value in fields.items():
        setattr(therapist, name, value)
    therapist.full_clean(exclude=["password"])
    therapist.save()
    if not therapist.is_active:
        AuthToken.objects.filter(user=therapist).delete()
    return therapist
