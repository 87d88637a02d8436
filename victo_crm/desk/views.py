"""The queues and the request page. Views validate, call a service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from victo_crm.accounts import roles
from victo_crm.accounts.models import Team, User
from victo_crm.core.errors import StaleUpdateError, form_add_errors
from victo_crm.service_requests.configuration import catalogue
from victo_crm.service_requests.fields import field_rows
from victo_crm.service_requests.merge import service_requests_merge
from victo_crm.service_requests.models import Attachment, EventKind, ServiceRequest
from victo_crm.service_requests.scope import staff_scope
from victo_crm.service_requests.services import (
    service_request_add_note,
    service_request_approve_public_summary,
    service_request_assign,
    service_request_reclassify,
    service_request_reply,
    service_request_set_priority,
    service_request_take,
    service_request_transition,
)
from victo_crm.service_requests.workflows import available_transitions

from . import selectors
from .access import (
    break_glass_remember,
    desk_view,
    get_request_or_404,
    needs_break_glass,
)
from .forms import (
    AssignForm,
    BreakGlassForm,
    MergeForm,
    NoteForm,
    PriorityForm,
    PublicSummaryForm,
    QueueFilterForm,
    ReclassifyForm,
    ReplyForm,
    TransitionForm,
)
from .models import AccessWhat, CannedResponse
from .selectors import is_desk_user
from .services import access_log_record, break_glass_open


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def scope_agents(user: User) -> list[User]:
    """The agents a filter may name: of one's teams and of the teams grants open."""
    ids = roles.team_ids(user) | staff_scope(user).granted_team_ids
    if not ids and roles.is_administrator(user):
        ids = frozenset(Team.objects.values_list("pk", flat=True))
    return list(selectors.team_agents(ids).only("id", "first_name", "last_name", "email"))


def queue_state(request: HttpRequest) -> tuple[str, QueryFormState]:
    user = _user(request)
    codes = {q.code for q in selectors.queues_for(user)}
    queue = request.GET.get("file", "")
    if queue not in selectors.QUEUE_CODES or (queue == "granted" and queue not in codes):
        # An unknown queue, or the granted one once the grants have ended: the default.
        queue = "mine" if roles.AGENT in roles.role_names(user) else "team"
    if queue not in codes:
        raise PermissionDenied
    return queue, QueryFormState(request.GET)


class QueryFormState:
    """The filter part of the query string, re-used by exports, the map and bulk actions."""

    KEYS = (
        "q",
        "request_type",
        "group",
        "state",
        "zone",
        "priority",
        "channel",
        "created_from",
        "created_to",
        "assignee",
        "sort",
    )

    def __init__(self, data: QueryDict) -> None:
        self.data = data

    def query(self, **extra: str) -> str:
        pairs = [(k, self.data.get(k, "")) for k in self.KEYS if self.data.get(k)]
        pairs += [(k, v) for k, v in extra.items() if v]
        return urlencode(pairs)


@desk_view
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    code, state = queue_state(request)
    agents = scope_agents(user)
    form = QueueFilterForm(request.GET or None, agents=agents)
    filters = form.to_filters()
    page = selectors.desk_queue(
        user,
        queue=code,
        filters=filters,
        sort=request.GET.get("sort", ""),
        cursor=request.GET.get("apres", ""),
    )
    filters_query = state.query(file=code)
    context = {
        "form": form,
        "queues": selectors.queues_for(user),
        "queue": code,
        "queue_label": next(q.label for q in selectors.QUEUES if q.code == code),
        "page": page,
        "filters_query": filters_query,
        "next_url": f"?{state.query(file=code, apres=page.next_cursor)}"
        if page.next_cursor
        else "",
        "is_first_page": not request.GET.get("apres"),
        "supervising": selectors.is_supervising(user),
        "filters_open": any(request.GET.get(k) for k in QueryFormState.KEYS),
        # Read-only grants open a queue to look at, not to act on in bulk.
        "bulk_enabled": code != "granted" or any(g.may_act for g in staff_scope(user).grants),
        "bulk_agents": agents,
        "now": timezone.now(),
    }
    if request.htmx and request.GET.get("partial") == "rows":  # type: ignore[attr-defined]
        return render(request, "desk/includes/queue_rows.html", context)
    return render(request, "desk/queue.html", context)


# --- The request page ----------------------------------------------------------------------


def _request_context(
    request: HttpRequest,
    sr: ServiceRequest,
    *,
    forms: dict[str, Any] | None = None,
    conflict: str = "",
) -> dict[str, Any]:
    user = _user(request)
    forms = forms or {}
    scope = staff_scope(user)
    may_act = scope.may_act(sr)
    transitions = available_transitions(user, sr) if may_act else []
    team_ids = {sr.team_id} | set(roles.team_ids(user))
    agents = selectors.team_agents(team_ids).only("id", "first_name", "last_name", "email")
    version = {"version": sr.version}
    canned = list(
        CannedResponse.objects.filter(is_active=True)
        .filter(Q(teams__isnull=True) | Q(teams=sr.team_id))
        .distinct()
    )
    reply_initial: dict[str, Any] = dict(version)
    picked = request.GET.get("reponse_type", "")
    if picked.isdigit():
        chosen = next((c for c in canned if c.pk == int(picked)), None)
        if chosen is not None:
            reply_initial["text"] = chosen.render(sr)
    timeline = selectors.request_timeline(sr)
    photos = [a for a in sr.attachments.all() if a.content_type.startswith("image/")]
    return {
        "sr": sr,
        "sla": selectors.sla_status(sr),
        "timeline": timeline,
        "photos": photos,
        "field_rows": _field_rows(sr),
        "other_requests": selectors.citizen_other_requests(user, sr),
        "transitions": transitions,
        "transition_form": forms.get("transition")
        or TransitionForm(initial=version, transitions=transitions),
        "assign_form": forms.get("assign")
        or AssignForm(
            initial={**version, "team": sr.team_id, "assignee": sr.assignee_id}, agents=agents
        ),
        "priority_form": forms.get("priority")
        or PriorityForm(initial={**version, "priority": sr.priority}),
        "note_form": forms.get("note") or NoteForm(),
        "public_summary_form": forms.get("public_summary")
        or PublicSummaryForm(initial={**version, "summary": sr.public_summary}),
        "reply_form": forms.get("reply") or ReplyForm(initial=reply_initial),
        "merge_form": forms.get("merge") or MergeForm(),
        "canned": canned,
        "conflict": conflict,
        "may_act": may_act,
        "in_team": sr.team_id in roles.team_ids(user),
        "access_grant": None if sr.team_id in scope.team_ids else scope.grant_for(sr),
        "EventKind": EventKind,
    }


def _field_rows(sr: ServiceRequest) -> list[tuple[str, str]]:
    """The custom field values in the agent's language, in the fields' order; a value
    whose field was removed from the type since stays visible under its code."""
    if not sr.field_values:
        return []
    fields = catalogue().fields_of_request(sr)
    rows = field_rows(fields, sr.field_values)
    known = {f.code for f in fields}
    rows += [(code, str(v)) for code, v in sr.field_values.items() if code not in known]
    return rows


def _render_request(
    request: HttpRequest,
    sr: ServiceRequest,
    *,
    forms: dict[str, Any] | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    access_log_record(
        user=_user(request), what=AccessWhat.REQUEST_PAGE, request=sr, detail=_via(request, sr)
    )
    context = _request_context(request, sr, forms=forms, conflict=conflict)
    # The refused form, summarised at the top of the page (focused on load, "Erreur :" in
    # the title), each error linking to its field: the agent hears what went wrong.
    context["error_form"] = next(
        (form for form in (forms or {}).values() if form.is_bound and form.errors), None
    )
    return render(request, "desk/request_detail.html", context, status=status)


def _via(request: HttpRequest, sr: ServiceRequest, detail: str = "") -> str:
    """The access log's detail, naming the access grant when that is how the user sees it."""
    scope = staff_scope(_user(request))
    if scope.everything or sr.team_id in scope.team_ids:
        return detail
    grant = scope.grant_for(sr)
    if grant is None:
        return detail
    via = _("par l’accès accordé n° %(number)d") % {"number": grant.pk}
    return f"{detail} — {via}" if detail else via


@desk_view
@require_GET
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    sr = get_request_or_404(request, reference)
    return _render_request(request, sr)


def _back(sr: ServiceRequest, anchor: str = "") -> HttpResponse:
    url = reverse("desk:request", args=[sr.reference])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _stale(
    request: HttpRequest, reference: str, key: str, form_class: Any, keep: dict[str, Any]
) -> HttpResponse:
    """Another agent changed the request: show it as it is now, with the agent's text kept
    in the form they used and the version they now see."""
    sr = get_request_or_404(request, reference)
    initial = {**keep, "version": sr.version}
    kwargs: dict[str, Any] = {}
    if form_class is TransitionForm:
        kwargs["transitions"] = available_transitions(_user(request), sr)
    if form_class is AssignForm:
        kwargs["agents"] = selectors.team_agents({sr.team_id} | set(roles.team_ids(_user(request))))

    form = form_class(initial=initial, **kwargs)
    message = _(
        "Cette requête a été modifiée par quelqu’un d’autre pendant que vous la consultiez : "
        "votre modification n’a pas été enregistrée. Relisez l’historique ci-dessous; votre "
        "texte est conservé dans le formulaire, vous pouvez le renvoyer."
    )
    return _render_request(request, sr, forms={key: form}, conflict=message, status=409)


def _act(
    request: HttpRequest,
    sr: ServiceRequest,
    key: str,
    form: Any,
    call: Callable[[dict[str, Any]], str],
    *,
    keep: dict[str, Any] | None = None,
    anchor: str = "",
) -> HttpResponse:
    """One action of the request page: ``call`` runs the service with the valid form's data
    and returns what to tell the agent. A stale version shows the request as it is now
    (``keep``: the agent's input to carry over); refusals come back on the form."""
    if form.is_valid():
        try:
            done = call(form.cleaned_data)
        except StaleUpdateError:
            return _stale(request, sr.reference, key, type(form), keep or {})
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, done)
            return _back(sr, anchor)
    return _render_request(request, sr, forms={key: form}, status=400)


@desk_view
@require_POST
def request_transition(request: HttpRequest, reference: str) -> HttpResponse:
    sr = get_request_or_404(request, reference, to_act=True)
    user = _user(request)
    transitions = available_transitions(user, sr)
    form = TransitionForm(request.POST, transitions=transitions)
    keep = {
        "comment": request.POST.get("comment", ""),
        "for_followers": bool(request.POST.get("for_followers")),
    }
    posted_version = request.POST.get("version", "")
    if posted_version.isdigit() and int(posted_version) != sr.version:
        return _stale(request, reference, "transition", TransitionForm, keep)

    def transition(data: dict[str, Any]) -> str:
        chosen = next(t for t in transitions if t.pk == data["transition"])
        service_request_transition(
            request=sr,
            transition=chosen,
            actor=user,
            comment=data["comment"],
            expected_version=data["version"],
            for_followers=data["for_followers"],
        )
        return _("Action « %(action)s » faite : la requête est maintenant « %(state)s ».") % {
            "action": chosen.label,
            "state": chosen.to_state.label,
        }

    return _act(request, sr, "transition", form, transition, keep=keep)


@desk_view
@require_POST
def request_assign(request: HttpRequest, reference: str) -> HttpResponse:
    sr = get_request_or_404(request, reference, to_act=True)
    user = _user(request)
    agents = User.objects.filter(is_active=True, groups__name__in=roles.STAFF_ROLES).distinct()
    form = AssignForm(request.POST, agents=agents)
    if request.POST.get("moi"):
        # "Take it": to me, in the request's team when I belong to it, else in my first team.
        data = request.POST.copy()
        data["assignee"] = str(user.pk)
        mine = sorted(roles.team_ids(user))
        data["team"] = str(sr.team_id if sr.team_id in mine or not mine else mine[0])
        form = AssignForm(data, agents=agents)
    if form.is_valid():
        try:
            if request.POST.get("moi"):
                taken = service_request_take(
                    request=sr,
                    actor=user,
                    team=form.cleaned_data["team"],
                    expected_version=form.cleaned_data["version"],
                )
            else:
                taken = []
                service_request_assign(
                    request=sr,
                    actor=user,
                    team=form.cleaned_data["team"],
                    assignee=form.cleaned_data["assignee"],
                    expected_version=form.cleaned_data["version"],
                )
        except StaleUpdateError:
            return _stale(request, reference, "assign", AssignForm, {})
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            who = form.cleaned_data["assignee"]
            if len(taken) > 1:  # assigned and moved by the workflow's "prise en charge"
                done = _("Requête prise en charge : elle vous est attribuée, état « %(state)s ».")
                messages.success(request, done % {"state": sr.state.label})
            else:
                messages.success(
                    request,
                    _("Requête attribuée à %(who)s.")
                    % {
                        "who": who.get_full_name() or who.email
                        if who
                        else form.cleaned_data["team"]
                    },
                )
            if not selectors.visible_requests(user).filter(pk=sr.pk).exists():
                return redirect("desk:queue")  # given to a team the agent is not part of
            return _back(sr)
    return _render_request(request, sr, forms={"assign": form}, status=400)


@desk_view
@require_POST
def request_priority(request: HttpRequest, reference: str) -> HttpResponse:
    sr = get_request_or_404(request, reference, to_act=True)

    def set_priority(data: dict[str, Any]) -> str:
        service_request_set_priority(
            request=sr,
            actor=_user(request),
            priority=data["priority"],
            expected_version=data["version"],
        )
        return _("Priorité modifiée.")

    return _act(request, sr, "priority", PriorityForm(request.POST), set_priority)


@desk_view
@require_POST
def request_note(request: HttpRequest, reference: str) -> HttpResponse:
    sr = get_request_or_404(request, reference, to_act=True)

    def add_note(data: dict[str, Any]) -> str:
        service_request_add_note(request=sr, actor=_user(request), text=data["text"])
        return _("Note interne ajoutée.")

    return _act(request, sr, "note", NoteForm(request.POST), add_note, anchor="historique")


@desk_view
@require_POST
def request_public_summary(request: HttpRequest, reference: str) -> HttpResponse:
    sr = get_request_or_404(request, reference, to_act=True)

    def approve(data: dict[str, Any]) -> str:
        service_request_approve_public_summary(
            request=sr,
            actor=_user(request),
            summary=data["summary"],
            expected_version=data["version"],
        )
        return _("Résumé public approuvé.") if sr.public_summary else _("Résumé public retiré.")

    form = PublicSummaryForm(request.POST)
    keep = {"summary": request.POST.get("summary", "")}
    return _act(request, sr, "public_summary", form, approve, keep=keep, anchor="resume-public")


@desk_view
@require_POST
def request_reply(request: HttpRequest, reference: str) -> HttpResponse:
    sr = get_request_or_404(request, reference, to_act=True)
    form = ReplyForm(request.POST)
    keep = {
        "text": request.POST.get("text", ""),
        "for_followers": bool(request.POST.get("for_followers")),
    }
    posted_version = request.POST.get("version", "")
    # A reply written while someone else changed the request (closed it, answered it) may
    # no longer fit: the agent rereads first; the text is kept.
    if posted_version.isdigit() and int(posted_version) != sr.version:
        return _stale(request, reference, "reply", ReplyForm, keep)

    def reply(data: dict[str, Any]) -> str:
        service_request_reply(
            request=sr,
            actor=_user(request),
            text=data["text"],
            for_followers=data["for_followers"],
        )
        return _("Réponse envoyée au citoyen.")

    return _act(request, sr, "reply", form, reply, keep=keep, anchor="historique")


@desk_view
@require_GET
def canned_response(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """The reply box filled with a template (htmx), editable before sending."""
    sr = get_request_or_404(request, reference)
    canned = get_object_or_404(
        CannedResponse.objects.filter(is_active=True)
        .filter(Q(teams__isnull=True) | Q(teams=sr.team_id))
        .distinct(),
        pk=pk,
    )
    form = ReplyForm(initial={"text": canned.render(sr), "version": sr.version})
    return render(request, "desk/includes/reply_text.html", {"reply_form": form})


@desk_view
@require_GET
def team_agents(request: HttpRequest) -> HttpResponse:
    """The agent choices of a team (htmx, when the team of the assignment form changes)."""
    team_id = request.GET.get("team", "")
    agents = selectors.team_agents([int(team_id)]) if team_id.isdigit() else User.objects.none()
    form = AssignForm(initial={"team": team_id or None}, agents=agents)
    return render(request, "desk/includes/assignee_field.html", {"assign_form": form})


@desk_view
@require_GET
def request_photo(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    sr = get_request_or_404(request, reference)
    attachment = get_object_or_404(Attachment, pk=pk, request=sr)
    stored = attachment.public_file or attachment.file
    if not stored:
        raise Http404
    access_log_record(
        user=_user(request),
        what=AccessWhat.PHOTO,
        request=sr,
        detail=_via(request, sr, str(attachment.pk)),
    )
    response = FileResponse(stored.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@desk_view
def request_merge(request: HttpRequest, reference: str) -> HttpResponse:
    survivor = get_request_or_404(request, reference, to_act=request.method == "POST")
    user = _user(request)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        references = form.cleaned_data["duplicates"]
        found = list(
            selectors.visible_requests(user)
            .select_related("state")
            .filter(reference__in=references)
        )
        missing = sorted(set(references) - {r.reference for r in found})
        if missing:
            form.add_error(
                "duplicates",
                _("Requêtes introuvables dans votre périmètre : %(refs)s.")
                % {"refs": ", ".join(missing)},
            )
        else:
            try:
                service_requests_merge(
                    survivor=survivor, duplicates=found, actor=user, note=form.cleaned_data["note"]
                )
            except (ValidationError, PermissionDenied) as error:
                if isinstance(error, ValidationError):
                    form_add_errors(form, error)
                else:
                    form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Requêtes jumelées à %(reference)s : %(refs)s.")
                    % {"reference": survivor.reference, "refs": ", ".join(references)},
                )
                return _back(survivor, "historique")
    if request.method == "POST":
        return _render_request(request, survivor, forms={"merge": form}, status=400)
    return _back(survivor, "jumeler")


def break_glass(request: HttpRequest) -> HttpResponse:
    """A superuser without a staff role states why they open the desk; only then does the
    desk show them citizens' data, each read logged with this statement's number."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (is_desk_user(request.user) and needs_break_glass(request.user)):
        raise Http404
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not target.startswith("/bureau/"):
        target = reverse("desk:queue")
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            opened = break_glass_open(user=_user(request), reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            break_glass_remember(request, opened.pk)
            return redirect(target)
    return render(
        request,
        "desk/break_glass.html",
        {"form": form, "next": target},
        status=400 if form.errors else 200,
    )


def _reclassify_types(sr: ServiceRequest) -> list[Any]:
    """The types a request may move to: offered ones of its workflow."""
    from victo_crm.service_requests.models import RequestType

    return list(
        RequestType.objects.filter(is_active=True, workflow_id=sr.request_type.workflow_id)
        .only("pk", "code", "name_fr", "name_en")
        .order_by("name_fr")
    )


@desk_view
def request_reclassify(request: HttpRequest, reference: str) -> HttpResponse:
    """Give a request its right type and place in one step (``service_request_reclassify``):
    the assignment rules route it again. Its own page, so the request page reads no
    catalogue for it."""
    from victo_crm.places.selectors import address_resolve

    sr = get_request_or_404(request, reference, to_act=True)
    types = _reclassify_types(sr)
    if request.method != "POST":
        form = ReclassifyForm(initial={"version": sr.version}, types=types)
        return render(request, "desk/reclassify.html", {"sr": sr, "form": form, "nav": "queue"})
    form = ReclassifyForm(request.POST, types=types)
    stale = _("Cette requête a été modifiée par quelqu’un d’autre : relisez-la, puis reprenez.")
    if form.is_valid():
        if form.cleaned_data["version"] != sr.version:
            form.add_error(None, stale)
        query = form.cleaned_data["address_query"].strip()
        address = None
        if query and not form.errors:
            address = address_resolve(query).address
            if address is None:
                form.add_error(
                    "address_query",
                    _(
                        "Cette adresse ne figure pas au registre, ou elle est ambiguë : précisez-la."
                    ),
                )
        if not form.errors:
            try:
                service_request_reclassify(
                    request=sr,
                    actor=_user(request),
                    request_type=form.cleaned_data["request_type"],
                    address=address,
                    expected_version=form.cleaned_data["version"],
                )
            except StaleUpdateError:
                form.add_error(None, stale)
            except ValidationError as error:
                form_add_errors(form, error)
            else:
                messages.success(request, _("La requête a été reclassée."))
                try:
                    get_request_or_404(request, sr.reference)
                except Http404:  # routed to a team the agent does not see
                    return redirect("desk:queue")
                return _back(sr)
    return render(
        request, "desk/reclassify.html", {"sr": sr, "form": form, "nav": "queue"}, status=400
    )
