"""The SMS provider's inbound webhook (Twilio): signature checked, then ``sms_receive``."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .sms import sms_receive, twilio_signature_valid


@csrf_exempt  # the provider cannot hold a CSRF token; its signature authenticates it
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    params = {key: request.POST.get(key, "") for key in request.POST}
    url = request.build_absolute_uri()
    if not twilio_signature_valid(url, params, request.headers.get("X-Twilio-Signature", "")):
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
