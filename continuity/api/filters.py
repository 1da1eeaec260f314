from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters

MAX_ID = 2**63 - 1  # the largest bigint; SQLite overflows past it instead of finding nothing


class IdFilter(filters.NumberFilter):
    """An object id in a query string: a whole number from 1 to MAX_ID, else a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
