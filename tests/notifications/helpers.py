from __future__ import annotations

from typing import Any

from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.service_requests.models import ServiceRequest, Transition
from victo_crm.service_requests.services import service_request_submit


def submit(request_type: Any, **kwargs: Any) -> ServiceRequest:
    values = {
        "request_type": request_type,
        "description": "Un trou profond devant chez moi.",
        "field_values": {"taille": "moyen"},
        "latitude": CENTRE_LAT,
        "longitude": CENTRE_LON,
    }
    values.update(kwargs)
    return service_request_submit(**values)


def transition(from_code: str, to_code: str) -> Transition:
    return Transition.objects.select_related("from_state", "to_state").get(
        workflow__code="default", from_state__code=from_code, to_state__code=to_code
    )
