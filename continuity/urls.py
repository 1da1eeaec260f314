from django.contrib import admin
from django.contrib.auth import views as django_auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from continuity import auth_views, dashboard, views

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
    path("accounts/login/", auth_views.SignInView.as_view(), name="login"),
    path("accounts/login/code/", auth_views.second_factor, name="login_code"),
    path("accounts/logout/", django_auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", auth_views.account, name="account"),
    path("accounts/edit/", auth_views.account_edit, name="account_edit"),
    path("accounts/confirm/", auth_views.reauthenticate, name="reauth"),
    path("accounts/two-factor/", auth_views.two_factor_setup, name="two_factor_setup"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        django_auth_views.PasswordResetDoneView.as_view(
            template_name="continuity/account/password_reset_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        django_auth_views.PasswordResetCompleteView.as_view(
            template_name="continuity/account/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include("continuity.api.urls")),
    path("c/", include("clients.urls")),
    path("webhooks/", include("notes.urls")),
    # The admin's own sign-in form would skip the second factor and the lockout page.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
]

# The client's pages show the crisis line even on an error page.
handler404 = "clients.portal.not_found"
handler500 = "clients.portal.server_error"
