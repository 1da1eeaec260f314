from __future__ import annotations

from django.urls import path

from clients import api

urlpatterns = [
    path("clients/", api.ClientList.as_view(), name="api-clients"),
    path("clients/<int:pk>/", api.ClientDetail.as_view(), name="api-client"),
    path("clients/<int:pk>/discharge/", api.ClientDischarge.as_view(), name="api-client-discharge"),
]
