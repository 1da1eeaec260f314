from django.urls import path

from clients import portal

app_name = "portal"

urlpatterns = [
    path("notes/", portal.notes, name="notes"),
    path("notes/<int:note_id>/react/", portal.react, name="react"),
    path("check-in/", portal.check_in, name="check-in"),
    path("hard-time/", portal.hard_time, name="hard-time"),
    path("preferences/", portal.preferences, name="preferences"),
    path("sign-out/", portal.sign_out, name="sign-out"),
    path("questionnaires/<slug:code>/", portal.questionnaire, name="questionnaire"),
    path("<str:token>/", portal.open_link, name="open"),
    path("<str:token>/fresh/", portal.fresh_link, name="fresh-link"),
]
