"""Views over a filtered selection: bulk actions, exports, the map and the dashboard."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from victo_crm.core.boundary import clean_text
from victo_crm.places.models import Zone, ZoneKind
from victo_crm.service_requests.bulk import (
    MAX_BULK,
    service_requests_bulk_assign,
    service_requests_bulk_transition,
)
from victo_crm.service_requests.models import Priority, ServiceRequest
from victo_crm.service_requests.scope import staff_scope

from . import selectors
from .access import desk_view, supervisor_view
from .dashboard import dashboard_stats, delivery_stats
from .forms import BulkForm, QueueFilterForm
from .models import AccessWhat
from .services import access_log_record_many
from .views import _user, queue_state, scope_agents

EXPORT_LIMIT = 10_000
MAP_LIMIT = 5_000


# --- Bulk actions --------------------------------------------------------------------------


@desk_view
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = BulkForm(request.POST, agents=selectors.team_agents(_all_team_ids()))
    if not form.is_valid():
        return render(request, "desk/bulk_report.html", {"form": form, "report": None}, status=400)
    ids = form.cleaned_data["ids"][:MAX_BULK]
    # With what the transition's notices are worded from (the outbox takes the request as
    # the service leaves it, without reading it again).
    found = {
        r.pk: r
        for r in selectors.visible_requests(user)
        .select_related("state", "team", "request_type", "citizen", "assignee", "address")
        .filter(pk__in=ids)
    }
    # Requests an access grant opens read-only are seen, not changed: said so plainly.
    scope = staff_scope(user)
    actable = (
        set(found)
        if scope.everything
        else set(
            ServiceRequest.objects.filter(scope.requests_q(to_act=True), pk__in=list(found))
            .values_list("pk", flat=True)
            .order_by()
        )
    )
    requests = [found[i] for i in ids if i in actable]
    data = form.cleaned_data
    if data["action"] == "assign":
        report = service_requests_bulk_assign(
            requests=requests, actor=user, team=data["team"], assignee=data["assignee"]
        )
    else:
        report = service_requests_bulk_transition(
            requests=requests, actor=user, to_state=data["to_state"], comment=data["comment"]
        )
    for i in ids:
        if i in found and i not in actable:
            report.refused.append(
                (
                    found[i].reference,
                    _("Accès en consultation seulement : vous ne pouvez pas la modifier."),
                )
            )
    missing = len([i for i in ids if i not in found])
    for _i in range(missing):
        report.refused.append(("—", _("Requête introuvable dans votre périmètre.")))
    return render(
        request,
        "desk/bulk_report.html",
        {"form": form, "report": report, "back": request.POST.get("retour", "")},
    )


def _all_team_ids() -> list[int]:
    from victo_crm.accounts.models import Team

    return list(Team.objects.values_list("pk", flat=True))


# --- Exports -------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    ("reference", _("Référence")),
    ("created", _("Reçue le")),
    ("type", _("Type")),
    ("state", _("État")),
    ("team", _("Équipe")),
    ("assignee", _("Responsable")),
    ("priority", _("Priorité")),
    ("channel", _("Canal")),
    ("due", _("Échéance")),
    ("closed", _("Fermée le")),
    ("location", _("Lieu")),
    ("contact_name", _("Demandeur")),
    ("contact_email", _("Courriel")),
    ("contact_phone", _("Téléphone")),
    ("description", _("Description")),
)


def _export_rows(request: HttpRequest) -> tuple[list[ServiceRequest], str]:
    user = _user(request)
    code, _state = queue_state(request)
    form = QueueFilterForm(request.GET or None, agents=scope_agents(user))
    qs = selectors.filtered_requests(
        user, queue=code, filters=form.to_filters(), sort=request.GET.get("sort", "")
    ).select_related("request_type", "state", "team", "assignee", "address")
    rows = list(qs[:EXPORT_LIMIT])
    access_log_record_many(
        user=user, what=AccessWhat.EXPORT, requests=rows, detail=request.get_full_path()
    )
    return rows, code


def _cells(sr: ServiceRequest) -> list[Any]:
    def local(value: Any) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    assignee = sr.assignee.get_full_name() or sr.assignee.email if sr.assignee else ""
    return [
        sr.reference,
        local(sr.created_at),
        sr.request_type.name,
        sr.state.label,
        sr.team.name,
        assignee,
        str(Priority(sr.priority).label),
        str(sr.get_channel_display()),
        local(sr.due_at),
        local(sr.closed_at),
        sr.place_label,
        sr.contact_name,
        sr.contact_email,
        sr.contact_phone,
        sr.description,
    ]


def _safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas typed by citizens (CSV/formula injection), and drop
    the control characters a spreadsheet cannot hold (openpyxl refuses a vertical tab that
    text stored before the input boundary may still carry)."""
    if isinstance(value, str):
        value = clean_text(value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value


@supervisor_view
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    rows, code = _export_rows(request)

    def stream() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # Excel opens UTF-8 with accents correctly with a BOM
        writer.writerow([str(label) for _key, label in EXPORT_COLUMNS])
        for sr in rows:
            writer.writerow([_safe(c) for c in _cells(sr)])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="requetes-{code}-{stamp}.csv"'
    return response


@supervisor_view
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    rows, code = _export_rows(request)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Requêtes"))
    sheet.append([str(label) for _key, label in EXPORT_COLUMNS])
    for sr in rows:
        sheet.append([_safe(c) for c in _cells(sr)])
    out = io.BytesIO()
    workbook.save(out)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="requetes-{code}-{stamp}.xlsx"'
    return response


# --- Map ----------------------------------------------------------------------------------


@desk_view
@require_GET
def map_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    code, state = queue_state(request)
    form = QueueFilterForm(request.GET or None, agents=scope_agents(user))
    districts = [
        {"name": z.name, "geometry": z.geometry}
        for z in Zone.objects.filter(kind__in=(ZoneKind.BOUNDARY, ZoneKind.DISTRICT)).only(
            "name", "geometry"
        )
    ]
    return render(
        request,
        "desk/map.html",
        {
            "form": form,
            "queues": selectors.queues_for(user),
            "queue": code,
            "points_url": reverse("desk:map_points") + "?" + state.query(file=code),
            "zones": districts,
            "filters_query": state.query(file=code),
        },
    )


@desk_view
@require_GET
def map_points(request: HttpRequest) -> JsonResponse:
    user = _user(request)
    code, _state = queue_state(request)
    form = QueueFilterForm(request.GET or None, agents=scope_agents(user))
    qs = (
        selectors.filtered_requests(user, queue=code, filters=form.to_filters())
        .filter(latitude__isnull=False, longitude__isnull=False)
        .values_list(
            "reference", "latitude", "longitude", "request_type__name_fr", "state__label_fr"
        )
    )
    points = [
        {
            "ref": ref,
            "lat": lat,
            "lon": lon,
            "label": f"{ref} — {type_name} ({state_label})",
            "url": reverse("desk:request", args=[ref]),
        }
        for ref, lat, lon, type_name, state_label in qs[:MAP_LIMIT]
    ]
    return JsonResponse({"points": points, "truncated": len(points) >= MAP_LIMIT})


# --- Dashboard ----------------------------------------------------------------------------


@supervisor_view
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    stats = dashboard_stats(_user(request))
    chart_data = {
        "weeks": stats["weeks"],
        "volumes": [{"label": v["type"], "data": v["counts"]} for v in stats["volumes"]],
        "backlog": {
            "labels": [b["team"] for b in stats["backlog"]],
            "data": [b["open"] for b in stats["backlog"]],
        },
        "medians": {
            "labels": [m["type"] for m in stats["medians"]],
            "first": [m["first"] for m in stats["medians"]],
            "resolution": [m["resolution"] for m in stats["medians"]],
        },
        "zones": {
            "labels": [z["zone"] for z in stats["zones"]],
            "data": [z["open"] for z in stats["zones"]],
        },
        "text": {
            "requests": _("Requêtes"),
            "open": _("Requêtes ouvertes"),
            "first": _("Première réponse (heures)"),
            "resolution": _("Résolution (heures)"),
        },
    }
    return render(
        request,
        "desk/dashboard.html",
        {
            "stats": stats,
            "delivery": sorted(delivery_stats().items()),
            "chart_data": chart_data,
            "queues": selectors.queues_for(_user(request)),
        },
    )
