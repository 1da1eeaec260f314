from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clients.models import Client
from continuity import health
from continuity.audit import Action, audit_record
from continuity.selectors import caseload_attention

STATUS_FILTERS = {
    "attention": Client.Status.ACTIVE,  # active clients with at least one reason
    "active": Client.Status.ACTIVE,
    "paused": Client.Status.PAUSED,
    "discharged": Client.Status.DISCHARGED,
    "all": None,
}


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health.check()
    body = {
        "status": "ok" if report.healthy else "unavailable",
        "database": "ok" if report.database else "unreachable",
        "broker": "ok" if report.broker else "unreachable",
        "scheduler_last_seen": report.scheduler_seen_at,
    }
    return JsonResponse(body, status=200 if report.healthy else 503)


@login_required
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    """The caseload ranked by attention, CASELOAD_PAGE_SIZE rows a page: the whole caseload is
    ranked, only the page is drawn."""
    chosen = request.GET.get("status", "active")
    if chosen not in STATUS_FILTERS:
        chosen = "active"
    rows = caseload_attention(therapist=request.user, status=STATUS_FILTERS[chosen])
    if chosen == "attention":
        rows = [row for row in rows if row.reasons]
    page = Paginator(rows, settings.CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    # Names and why each needs attention: one audit row for the list, as for API lists.
    audit_record(request=request, action=Action.READ, object_type="client")
    return render(
        request,
        "continuity/caseload.html",
        {
            "rows": page.object_list,
            "page": page,
            "clients": [row.client for row in page.object_list],
            "chosen": chosen,
            "filters": list(STATUS_FILTERS),
        },
    )
