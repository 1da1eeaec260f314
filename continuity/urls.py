from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from continuity import dashboard, views

admin.site.site_header = "Continuity administration"
admin.site.site_title = "Continuity"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="caseload", permanent=False)),
    path("caseload/", views.caseload, name="caseload"),
    path("clients/<int:pk>/", dashboard.client_detail, name="client_detail"),
    path("clients/<int:pk>/acknowledge/", dashboard.acknowledge, name="acknowledge"),
    path("clients/<int:pk>/fresh-link/", dashboard.fresh_link, name="fresh_link"),
    path("clients/<int:pk>/moments/", dashboard.moment_add, name="moment_add"),
    path(
        "clients/<int:pk>/moments/<int:moment_id>/delete/",
        dashboard.moment_delete,
        name="moment_delete",
    ),
    path("clients/<int:pk>/compose/", dashboard.compose, name="compose"),
    path("clients/<int:pk>/compose/preview/", dashboard.compose_preview, name="compose_preview"),
    path("notes/<int:note_id>/edit/", dashboard.note_edit, name="note_edit"),
    path("notes/<int:note_id>/cancel/", dashboard.note_cancel, name="note_cancel"),
    path("templates/", dashboard.templates, name="templates"),
    path("templates/<int:template_id>/", dashboard.template_edit, name="template_edit"),
    path("templates/<int:template_id>/delete/", dashboard.template_delete, name="template_delete"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include("continuity.api.urls")),
    path("c/", include("clients.urls")),
    path("webhooks/", include("notes.urls")),
    path("admin/", admin.site.urls),
]

# The client's pages show the crisis line even on an error page.
handler404 = "clients.portal.not_found"
handler500 = "clients.portal.server_error"
