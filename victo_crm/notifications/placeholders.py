"""Templates of notification rules: plain text with named placeholders, ``{{ reference }}``.

Deliberately not Django's template language: an administrator's template can only name a
value from a fixed list, never call a method, load a tag or reach an object. Values are
plain strings computed here; the HTML version of a message escapes the whole rendered text,
so nothing a citizen typed (a description, a reply) can become markup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from victo_crm.core.models import localized
from victo_crm.core.typography import NBSP, format_date

if TYPE_CHECKING:
    from victo_crm.service_requests.models import RequestEvent, ServiceRequest

    from .models import NotificationRule

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
STRAY_RE = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")

PLACEHOLDERS: dict[str, Any] = {
    "reference": _("numéro de la requête (2026-000123)"),
    "request_type": _("type de requête"),
    "state": _("état de la requête, tel que le citoyen le voit"),
    "previous_state": _("état précédent"),
    "message": _("commentaire ou réponse qui accompagne l’événement"),
    "citizen_name": _("nom du demandeur"),
    "location": _("lieu de la requête"),
    "team": _("équipe responsable"),
    "assignee": _("agent responsable"),
    "priority": _("priorité"),
    "due_at": _("échéance"),
    "link": _("lien vers la requête"),
    "details": _("réponses du demandeur aux questions du formulaire, une par ligne"),
}

# The values that are a citizen's own words or whereabouts: a preview shows their label.
CITIZEN_PLACEHOLDERS = ("citizen_name", "location", "message")


# What a follower may be told: the request's public side. Not the requester's name, where
# she typed the problem was, nor the staff's internal data (assignee, priority, due date).
# ``message`` is, for a follower, only a staff message published to followers
# (``RequestEvent.follower_message``), empty otherwise.
FOLLOWER_PLACEHOLDERS: dict[str, Any] = {
    "reference": PLACEHOLDERS["reference"],
    "request_type": PLACEHOLDERS["request_type"],
    "state": PLACEHOLDERS["state"],
    "previous_state": PLACEHOLDERS["previous_state"],
    "message": _("message de la Ville publié aux abonnés (vide sinon)"),
    "team": PLACEHOLDERS["team"],
    "link": PLACEHOLDERS["link"],
}

REQUESTER, FOLLOWERS = "requester", "followers"
TEMPLATE_FIELDS = ("subject_fr", "subject_en", "body_fr", "body_en")
FOLLOWER_TEMPLATE_FIELDS = (
    "follower_subject_fr",
    "follower_subject_en",
    "follower_body_fr",
    "follower_body_en",
)


def template_errors(text: str, *, audience: str = REQUESTER) -> list[str]:
    """Every problem of one template, worded for the administrator. A template for the
    followers may name only ``FOLLOWER_PLACEHOLDERS``."""
    errors: list[str] = []
    allowed = FOLLOWER_PLACEHOLDERS if audience == FOLLOWERS else PLACEHOLDERS
    for name in PLACEHOLDER_RE.findall(text or ""):
        if name in allowed:
            continue
        if name in PLACEHOLDERS:
            errors.append(
                str(
                    _(
                        "Le champ « %(name)s » est interdit dans le message aux abonnés : ils ne "
                        "voient que ce qui est public de la requête, rien du demandeur. Champs "
                        "permis : %(allowed)s."
                    )
                    % {"name": name, "allowed": ", ".join(sorted(allowed))}
                )
            )
        else:
            errors.append(
                str(
                    _("Champ inconnu « %(name)s ». Champs permis : %(allowed)s.")
                    % {"name": name, "allowed": ", ".join(sorted(allowed))}
                )
            )
    leftover = PLACEHOLDER_RE.sub("", text or "")
    if STRAY_RE.search(leftover):
        errors.append(
            str(
                _(
                    "Accolades mal formées : écrivez un champ sous la forme {{ reference }}, "
                    "sans balise ni filtre."
                )
            )
        )
    return errors


def render(text: str, values: dict[str, str]) -> str:
    """Substitute the placeholders; a value never is re-interpreted as a template."""
    return PLACEHOLDER_RE.sub(lambda m: str(values.get(m.group(1), "")), text or "")


def validate_rule(rule: NotificationRule) -> None:
    """Refuse a rule whose templates, channels or filters are broken, field by field."""
    from .models import NotificationChannel

    errors: dict[str, list[str]] = {}
    for fields, audience in ((TEMPLATE_FIELDS, REQUESTER), (FOLLOWER_TEMPLATE_FIELDS, FOLLOWERS)):
        for field in fields:
            problems = template_errors(getattr(rule, field), audience=audience)
            if problems:
                errors[field] = problems
    for field in ("subject_fr", "subject_en", "follower_subject_fr", "follower_subject_en"):
        if "\n" in (getattr(rule, field) or ""):
            errors.setdefault(field, []).append(str(_("L’objet tient sur une seule ligne.")))
    if rule.to_followers:
        for field in ("follower_subject_fr", "follower_body_fr"):
            if not (getattr(rule, field) or "").strip():
                errors.setdefault(field, []).append(
                    str(
                        _(
                            "Les abonnés reçoivent un message à eux : écrivez-le en français, "
                            "ou décochez « les abonnés de la requête »."
                        )
                    )
                )
    channels = rule.channels or []
    if not channels:
        errors["channels"] = [str(_("Choisissez au moins un canal."))]
    elif any(c not in NotificationChannel.values for c in channels):
        errors["channels"] = [str(_("Canal inconnu."))]
    if not (rule.to_requester or rule.to_followers or rule.to_assignee or rule.to_team) and (
        not rule.fixed_address_list()
    ):
        errors["to_requester"] = [str(_("Choisissez au moins un destinataire."))]
    from django.core.validators import validate_email

    for line in rule.fixed_address_list():
        try:
            validate_email(line)
        except ValidationError:
            errors.setdefault("fixed_addresses", []).append(
                str(_("« %(value)s » n’est pas une adresse courriel valide.") % {"value": line})
            )
    if errors:
        raise ValidationError(errors)


def request_link(request: ServiceRequest, *, for_requester: bool = False) -> str:
    """The page where a person follows the request: the portal's, through the sign-in page.

    ``for_requester``: a guest requester has no account, so the portal's page would answer
    her 404; her link is her private tracking page (never anyone else's: followers and staff
    get the page they can open)."""
    from urllib.parse import urlencode

    from django.conf import settings
    from django.urls import NoReverseMatch, reverse

    from victo_crm.service_requests.tracking import tracking_token_in_force

    if for_requester and request.citizen_id is None:
        token = tracking_token_in_force(request)
        try:
            if token:
                return settings.SITE_URL.rstrip("/") + reverse("portal:tracking", args=[token])
            # No link opens it any more (revoked, or given before links were derived).
            return settings.SITE_URL.rstrip("/") + reverse("portal:home")
        except NoReverseMatch:
            return settings.SITE_URL.rstrip("/") + "/"
    try:
        page = reverse("portal:request_detail", kwargs={"reference": request.reference})
        sign_in = reverse("account_login")
    except NoReverseMatch:
        return settings.SITE_URL.rstrip("/") + "/portail/"
    # The portal's page answers 404 to anyone signed out (it never says whether a request
    # exists), and an e-mail is often opened where the person is not signed in: the link goes
    # through the sign-in page, which asks her to sign in and then opens her request, or
    # sends her straight there when she already is.
    return f"{settings.SITE_URL.rstrip('/')}{sign_in}?{urlencode({'next': page})}"


def follower_values(
    request: ServiceRequest, event: RequestEvent | None, language: str
) -> dict[str, str]:
    """The placeholders' values for a follower: built from the request's public side only,
    never by filtering the requester's values, so a new requester placeholder cannot leak."""
    with translation.override(language):
        previous = event.from_state if event is not None and event.from_state_id else None
        return {
            "reference": request.reference,
            "request_type": localized(request.request_type, "name", language),
            "state": localized(request.state, "citizen_label", language),
            "previous_state": localized(previous, "citizen_label", language) if previous else "",
            "message": event.follower_message if event is not None else "",
            "team": localized(request.team, "name", language),
            "link": request_link(request),
        }


def request_values(
    request: ServiceRequest, event: RequestEvent | None, language: str
) -> dict[str, str]:
    """The placeholders' values for one request, in one language, as plain strings."""
    from victo_crm.service_requests.models import Priority

    with translation.override(language):
        state = request.state
        previous = event.from_state if event is not None and event.from_state_id else None
        due = format_date(request.due_at, time=True, language=language)
        return {
            "reference": request.reference,
            "request_type": localized(request.request_type, "name", language),
            "state": localized(state, "citizen_label", language),
            "previous_state": localized(previous, "citizen_label", language) if previous else "",
            "message": event.message if event is not None else "",
            "citizen_name": request.contact_name,
            "location": request.place_label,
            "team": localized(request.team, "name", language),
            "assignee": str(request.assignee) if request.assignee_id else "",
            "priority": str(Priority(request.priority).label),
            "due_at": due,
            "link": request_link(request, for_requester=True),
            "details": _details(request, language),
        }


def _details(request: ServiceRequest, language: str) -> str:
    """ "Label : answer" lines, choices in the recipient's language (never their codes)."""
    from victo_crm.service_requests.configuration import catalogue
    from victo_crm.service_requests.fields import field_rows

    if not request.field_values:
        return ""
    fields = catalogue().fields_of_request(request)
    separator = ": " if language == "en" else f"{NBSP}: "
    return "\n".join(
        f"{label}{separator}{shown}"
        for label, shown in field_rows(fields, request.field_values, language)
    )
