"""Template helpers of the portal."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms, template
from django.forms import BoundField
from django.forms.boundfield import BoundWidget
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext, override
from django.utils.translation import gettext as _

from victo_crm.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag
def widget(field: BoundField) -> SafeString:
    """The field's input, linked to its help and error messages (WCAG 1.3.1, 3.3.1)."""
    attrs: dict[str, str | bool] = {}
    described = []
    if field.errors:
        described.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.field.required:
        attrs["aria-required"] = "true"
    return _fast_widget(field, attrs) or field.as_widget(attrs=attrs)


# Django renders each widget through a template: about a millisecond apiece on a loaded
# server, and a request page has a dozen. The plainest ones are written here instead, to the
# same markup (tests/portal/test_widgets.py compares them with Django's).
_FAST_INPUTS = (forms.TextInput, forms.EmailInput, forms.NumberInput, forms.DateInput)


def _fast_widget(field: BoundField, attrs: dict[str, Any]) -> SafeString | None:
    widget = field.field.widget
    if type(widget) not in (forms.Textarea, *_FAST_INPUTS):
        return None
    attrs = field.build_widget_attrs(attrs, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    if type(widget) is forms.Textarea:
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            context["name"],
            _attrs(context["attrs"]),
            context["value"] or "",
        )
    return _input(context)


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """Attributes in their order, as django/forms/widgets/attrs.html writes them."""
    parts = [
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items()
        if value is not False
    ]
    return SafeString("".join(parts))


def _input(context: dict[str, Any]) -> SafeString:
    value = context["value"]
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        context["type"],
        context["name"],
        format_html(' value="{}"', str(value)) if value is not None else "",
        _attrs(context["attrs"]),
    )


@register.simple_tag
def choice_input(choice: BoundWidget) -> SafeString:
    """One radio button or checkbox of a choice field (``choice.tag`` without a template)."""
    return _input(choice.data)


def _plural(forms_of: Callable[[int], str]) -> dict[str, str]:
    """Both forms for the script, which picks one by the language's rule. (The ngettext call
    stays at each call site, where makemessages finds its strings.)"""
    return {"one": forms_of(1), "other": forms_of(2)}


@register.simple_tag
def portal_js_messages() -> SafeString:
    """What portal.js says, translated here like every other string (``%(name)s`` is filled
    in by the script), as a JSON script element."""
    return _js_messages(get_language() or "fr")


@functools.lru_cache(maxsize=8)
def _js_messages(language: str) -> SafeString:
    # The same for every page in a language, and catalogues do not change while the
    # process runs: built once per language.
    with override(language):
        return _build_js_messages()


def _build_js_messages() -> SafeString:
    messages: dict[str, Any] = {
        "found": _plural(
            lambda n: ngettext(
                "%(count)s adresse trouvée. Utilisez les flèches pour choisir.",
                "%(count)s adresses trouvées. Utilisez les flèches pour choisir.",
                n,
            )
        ),
        "notFound": _("Aucune adresse trouvée."),
        "chosen": _("Adresse choisie : %(label)s"),
        "photoRemoved": _("Photo « %(name)s » retirée."),
        "photoRemoveFailed": _("La photo n’a pas pu être retirée. Réessayez."),
        "tooMany": _("Vous pouvez joindre au plus %(max)s photos."),
        "tooBig": _("Le fichier « %(name)s » dépasse %(mb)s Mo."),
        "notImage": _("Le fichier « %(name)s » n’est pas une image JPEG, PNG ou WebP."),
        "uploadError": _("L’envoi a échoué. Vérifiez votre connexion et réessayez."),
        # The offline queue.
        "kept": _(
            "Vous êtes hors ligne. Votre requête est gardée sur cet appareil et sera envoyée "
            "dès le retour de la connexion. Vous pouvez fermer cette page."
        ),
        "keptFailed": _(
            "Votre requête n’a pas pu être gardée sur cet appareil. Gardez cette page ouverte "
            "et réessayez quand la connexion sera revenue."
        ),
        "sending": _("Envoi de votre requête gardée sur cet appareil…"),
        "sent": _("Votre requête gardée sur cet appareil a été envoyée (%(reference)s)."),
        "see": _("Voir la confirmation"),
        "pending": _plural(
            lambda n: ngettext(
                "%(count)s requête attend d’être envoyée depuis cet appareil.",
                "%(count)s requêtes attendent d’être envoyées depuis cet appareil.",
                n,
            )
        ),
        "notSent": _(
            "Votre requête « %(type)s » du %(date)s, gardée sur cet appareil, n’a pas été "
            "envoyée : %(reason)s"
        ),
        "refusedGeneric": _("le serveur l’a refusée."),
        "refusedSession": _(
            "votre session a expiré. Rechargez la page ou reconnectez-vous, puis réessayez."
        ),
        "retry": _("Réessayer l’envoi"),
        "discard": _("Supprimer de cet appareil"),
        "discarded": _("La requête gardée sur cet appareil a été supprimée."),
        "placeNeeded": _("Indiquez le lieu : une adresse ou un point sur la carte."),
        # Push notifications on this device.
        "pushOn": _("Cet appareil reçoit vos notifications."),
        "pushOff": _("Cet appareil ne reçoit pas vos notifications."),
        "pushDenied": _(
            "Les notifications sont bloquées pour ce site dans les réglages de votre "
            "navigateur. Autorisez-les, puis réessayez."
        ),
        "pushWorking": _("Un instant…"),
        "pushFailed": _(
            "L’inscription de cet appareil a échoué. Vérifiez votre connexion et réessayez."
        ),
    }
    return json_script(messages, "portal-messages")


@register.simple_tag(takes_context=True)
def inbox_unread(context: template.Context) -> int:
    """The signed-in citizen's unread notices, for the nav: one COUNT, once per page (the
    inbox view has counted already and says so in ``inbox_unread``). Call it only for a
    signed-in person: anonymous visitors cost no query."""
    if "inbox_unread" in context:
        return int(context["inbox_unread"])
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_portal_inbox_unread", None)
    if cached is None:
        cached = unread_count(user)
        request._portal_inbox_unread = cached  # type: ignore[union-attr]
    return int(cached)


@register.filter
def place_for(sr: Any, user: Any) -> str:
    """Where ``sr`` is, as ``user`` may see it: all of it for the requester (or a guest on
    her tracking page, ``user`` None), the public side for a follower."""
    from victo_crm.service_requests.selectors import follower_place

    if user is None or not getattr(user, "is_authenticated", False) or sr.citizen_id == user.pk:
        return str(sr.place_label)
    return follower_place(sr)[0]
