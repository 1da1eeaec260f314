from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from continuity import views

admin.site.site_header = "Continuity administration"
admin.site.site_title = "Continuity"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="caseload", permanent=False)),
    path("caseload/", views.caseload, name="caseload"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("c/", include("clients.urls")),
    path("webhooks/", include("notes.urls")),
    path("admin/", admin.site.urls),
]

# The client's pages show the crisis line even on an error page.
handler404 = "clients.portal.not_found"
handler500 = "clients.portal.server_error"
