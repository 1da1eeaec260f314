from __future__ import annotations

from django.urls import path

from notes import api

urlpatterns = [
    path("notes/", api.NoteList.as_view(), name="api-notes"),
    path("notes/preview/", api.NotePreview.as_view(), name="api-note-preview"),
    path("notes/<int:pk>/", api.NoteDetail.as_view(), name="api-note"),
    path("notes/<int:pk>/cancel/", api.NoteCancel.as_view(), name="api-note-cancel"),
    path("deliveries/", api.DeliveryList.as_view(), name="api-deliveries"),
    path("deliveries/<int:pk>/", api.DeliveryDetail.as_view(), name="api-delivery"),
    path("templates/", api.TemplateList.as_view(), name="api-templates"),
    path("templates/<int:pk>/", api.TemplateDetail.as_view(), name="api-template"),
]
