from __future__ import annotations

from django.urls import path

from clients import api

urlpatterns = [
    path("clients/", api.ClientList.as_view(), name="api-clients"),
    path("clients/<int:pk>/", api.ClientDetail.as_view(), name="api-client"),
    path("clients/<int:pk>/discharge/", api.ClientDischarge.as_view(), name="api-client-discharge"),
    path("clients/<int:pk>/consents/", api.ConsentList.as_view(), name="api-client-consents"),
    path(
        "clients/<int:pk>/consents/<str:channel>/withdraw/",
        api.ConsentWithdraw.as_view(),
        name="api-client-consent-withdraw",
    ),
    path(
        "clients/<int:pk>/appointments/",
        api.AppointmentList.as_view(),
        name="api-client-appointments",
    ),
    path("appointments/<int:pk>/", api.AppointmentDetail.as_view(), name="api-appointment"),
    path("clients/<int:pk>/moments/", api.MomentList.as_view(), name="api-client-moments"),
    path("moments/<int:pk>/", api.MomentDetail.as_view(), name="api-moment"),
    path("signals/", api.SignalList.as_view(), name="api-signals"),
    path(
        "signals/<int:pk>/acknowledge/",
        api.SignalAcknowledge.as_view(),
        name="api-signal-acknowledge",
    ),
    path("clients/<int:pk>/check-ins/", api.CheckInList.as_view(), name="api-client-check-ins"),
    path(
        "clients/<int:pk>/questionnaires/",
        api.QuestionnaireList.as_view(),
        name="api-client-questionnaires",
    ),
    path("clients/<int:pk>/links/", api.LinkIssue.as_view(), name="api-client-links"),
    path(
        "clients/<int:pk>/links/revoke/", api.LinksRevoke.as_view(), name="api-client-links-revoke"
    ),
]
