"""The one e-mail the portal may send itself: a guest's private tracking link, when no
notification rule e-mails her about the filing (the rules' acknowledgement carries the same
link, so she gets one e-mail per event); everything else goes through the outbox."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from victo_crm.service_requests.models import ServiceRequest


def send_tracking_link(*, service_request: ServiceRequest, url: str) -> None:
    if not service_request.contact_email:
        return
    with translation.override(service_request.language or "fr"):
        context = {"sr": service_request, "url": url}
        subject = render_to_string("portal/email/tracking_subject.txt", context).strip()
        body = render_to_string("portal/email/tracking_message.txt", context)
    send_mail(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [service_request.contact_email],
        fail_silently=False,
    )
