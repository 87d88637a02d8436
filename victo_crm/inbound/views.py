"""The SMS provider's webhooks (Twilio), signature checked: texts coming in
(``sms_receive``) and the delivery reports of the texts we sent (``sms_status_record``)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from victo_crm.notifications.bounces import sms_status_record

from .sms import sms_receive, twilio_signature_valid


def _signed_params(request: HttpRequest) -> dict[str, str] | None:
    """The POST parameters of a call Twilio signed, or None for anything else."""
    params = {key: request.POST.get(key, "") for key in request.POST}
    url = request.build_absolute_uri()
    if not twilio_signature_valid(url, params, request.headers.get("X-Twilio-Signature", "")):
        return None
    return params


@csrf_exempt  # the provider cannot hold a CSRF token; its signature authenticates it
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    params = _signed_params(request)
    if params is None:
        return HttpResponseForbidden()
    _message, answer = sms_receive(
        sender=params.get("From", ""),
        body=params.get("Body", ""),
        external_id=f"twilio:{params['MessageSid']}" if params.get("MessageSid") else "",
    )
    body = f"<Message>{escape(answer)}</Message>" if answer else ""
    return HttpResponse(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
        content_type="text/xml",
    )


@csrf_exempt  # the provider cannot hold a CSRF token; its signature authenticates it
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """A text's fate (Twilio's StatusCallback). A report on a text we do not know is
    acknowledged (else the provider would retry it) and changes nothing."""
    params = _signed_params(request)
    if params is None:
        return HttpResponseForbidden()
    sms_status_record(
        provider_id=params.get("MessageSid") or params.get("SmsSid", ""),
        status=params.get("MessageStatus") or params.get("SmsStatus", ""),
        error_code=params.get("ErrorCode", ""),
        to=params.get("To", ""),
    )
    return HttpResponse(status=204)
