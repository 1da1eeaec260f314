from django.urls import path

from clients import portal

app_name = "portal"

urlpatterns = [
    path("notes/", portal.notes, name="notes"),
    path("<str:token>/", portal.open_link, name="open"),
]
