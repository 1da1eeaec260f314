"""Forms of the therapist's dashboard: they parse input; the services hold the rules."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.forms.fields import BaseTemporalField
from django.utils import timezone

from clients.models import Client, Moment
from notes.models import NOTE_MAX_LENGTH, NoteTemplate
from notes.scheduling import from_wall_clock


class WallClockField(forms.DateTimeField):
    """A date and time read as a wall-clock reading, with no zone: the caller says whose."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        return BaseTemporalField.to_python(self, value)


class ComposeForm(forms.Form):
    """A note: its words, and when it goes (now, at a time in the client's zone, or on a
    moment's day). ``template`` inserts one of the therapist's own templates."""

    WHEN = [("now", "Now"), ("at", "At a date and time"), ("moment", "On a moment")]

    body = forms.CharField(
        label="Your note",
        required=False,  # inserting a template into an empty note is fine; sending is not
        max_length=NOTE_MAX_LENGTH * 2,  # the service says how much is too long, kindly
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": NOTE_MAX_LENGTH}),
    )
    template = forms.ModelChoiceField(
        label="Template", queryset=NoteTemplate.objects.none(), required=False
    )
    when = forms.ChoiceField(choices=WHEN, initial="now", widget=forms.RadioSelect)
    send_at = WallClockField(
        label="Date and time",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    moment = forms.ModelChoiceField(label="Moment", queryset=Moment.objects.none(), required=False)

    def __init__(self, *args, therapist, client: Client, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.therapist, self.client = therapist, client
        self.fields["template"].queryset = NoteTemplate.objects.filter(therapist=therapist)
        today = timezone.now().astimezone(client.time_zone).date()
        self.fields["moment"].queryset = Moment.objects.filter(client=client, date__gte=today)
        self.fields["moment"].label_from_instance = lambda m: f"{m.label} ({m.date:%a %-d %b})"
        self.fields["send_at"].help_text = f"The client's time ({client.time_zone})."

    def clean_send_at(self) -> dt.datetime | None:
        # The picker gives a wall-clock reading; it means the client's own clock.
        value = self.cleaned_data["send_at"]
        if value is None:
            return None
        return from_wall_clock(value, self.client.time_zone)

    def clean(self) -> dict:
        data = super().clean()
        when = data.get("when")
        if when == "at" and not data.get("send_at"):
            self.add_error("send_at", "Choose the date and time.")
        if when == "moment" and not data.get("moment"):
            self.add_error("moment", "Choose the moment.")
        return data

    def timing(self) -> dict:
        """``send_at`` and ``moment`` for note_create / note_edit."""
        when = self.cleaned_data.get("when")
        return {
            "send_at": self.cleaned_data.get("send_at") if when == "at" else None,
            "moment": self.cleaned_data.get("moment") if when == "moment" else None,
        }


class MomentForm(forms.Form):
    label = forms.CharField(
        label="What", max_length=120, widget=forms.TextInput(attrs={"placeholder": "job interview"})
    )
    date = forms.DateField(label="When", widget=forms.DateInput(attrs={"type": "date"}))


class TemplateForm(forms.Form):
    title = forms.CharField(max_length=80)
    body = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="{first_name} becomes the client's preferred name.",
    )
