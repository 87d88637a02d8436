"""The portal's duplicate suggestions (details step of a new request) follow the publication
rule of issue 14. Jean, another citizen, files at the same place as Marie."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from victo_crm.service_requests.services import service_request_submit

pytestmark = pytest.mark.django_db


def details_page(jean: Any, code: str, address: Any) -> str:
    jean.post(reverse("portal:submit_location", args=[code]), {"address_id": address.pk})
    page = jean.get(reverse("portal:submit_details", args=[code]))
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.parametrize("sensitive", [True, False])
def test_no_suggestion_for_a_type_that_is_not_published(
    jean: Any, citizen: Any, address: Any, make_type: Any, sensitive: bool
) -> None:
    noise = make_type("nuisance-sonore", sensitive=sensitive)
    sr = service_request_submit(
        request_type=noise, citizen=citizen, description="Party chez le 95", address=address
    )

    page = details_page(jean, noise.code, address)

    assert sr.reference not in page and str(sr.public_id) not in page
    assert 'class="duplicates' not in page


def test_a_suggestion_shows_the_registry_address_not_what_marie_typed(
    jean: Any, citizen: Any, address: Any, request_type: Any
) -> None:
    sr = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        description="Un trou",
        field_values={"taille": "grand"},
        address=address,
        location_text="devant ma porte, appelez Marie au 819-555-0199",
    )

    page = details_page(jean, request_type.code, address)

    assert sr.reference in page and address.label in page
    assert "819-555-0199" not in page and "devant ma porte" not in page
