from __future__ import annotations

from django.urls import path

from continuity.api import practice

urlpatterns = [
    path("therapists/", practice.TherapistList.as_view(), name="api-therapists"),
    path("therapists/<int:pk>/", practice.TherapistDetail.as_view(), name="api-therapist"),
    path("delivery-health/", practice.DeliveryHealth.as_view(), name="api-delivery-health"),
]
