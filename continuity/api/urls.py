from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from continuity.api import auth

urlpatterns = [
    path("auth/token/", auth.ObtainToken.as_view(), name="api-token"),
    path("auth/logout/", auth.RevokeCurrentToken.as_view(), name="api-logout"),
    path("auth/tokens/", auth.MyTokens.as_view(), name="api-tokens"),
    path("auth/tokens/<str:token_key>/", auth.RevokeToken.as_view(), name="api-token-revoke"),
    path("", include("clients.api_urls")),
    path("", include("notes.api_urls")),
    path("", include("continuity.api.practice_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
