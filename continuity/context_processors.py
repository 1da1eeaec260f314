from __future__ import annotations

from django.http import HttpRequest


def csp_nonce(request: HttpRequest) -> dict[str, object]:
    """This response's Content-Security-Policy nonce as ``csp_nonce``, the name django-htmx's
    ``{% htmx_script %}`` reads (django-csp's own processor calls it ``CSP_NONCE``).

    Lazy: the nonce is made, and added to the header, only when a template prints it.
    """
    return {"csp_nonce": getattr(request, "csp_nonce", None)}
