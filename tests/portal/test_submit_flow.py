"""Filing a request through the portal, as Marie (signed in) and as a guest."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import CENTRE_LAT, CENTRE_LON, OUTSIDE_TOWN
from victo_crm.service_requests.models import Attachment, RequestFollower, ServiceRequest

pytestmark = pytest.mark.django_db


def test_the_portal_home_shows_the_main_actions(client: Any) -> None:
    page = client.get("/portail/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Faire une requête" in body and "Se connecter" in body and "Créer un compte" in body


def test_a_type_is_found_by_a_keyword_without_its_accents(client: Any, request_type: Any) -> None:
    page = client.get(reverse("portal:submit_type"), {"q": "CHAUSSEE"})
    assert "Nid-de-poule" in page.content.decode()
    page = client.get(reverse("portal:submit_type"), {"q": "lampadaire"})
    assert "Nid-de-poule" not in page.content.decode()


def test_types_are_listed_by_group(client: Any, request_type: Any) -> None:
    body = client.get(reverse("portal:submit_type")).content.decode()
    assert "Rues et trottoirs" in body and "Nid-de-poule" in body


def test_marie_files_a_request_with_an_address_fields_and_two_photos(
    marie: Any, citizen: Any, request_type: Any, address: Any, make_image: Any
) -> None:
    step = marie.post(
        reverse("portal:submit_location", args=[request_type.code]),
        {"address_query": "1 notre-dame"},
    )
    assert step.status_code == 302 and step["Location"].endswith("/details/")
    page = marie.get(step["Location"])
    assert "1, rue Notre-Dame Est" in page.content.decode()
    draft_id = page.context["form"].initial["draft_id"]
    done = marie.post(
        step["Location"],
        {
            "draft_id": draft_id,
            "field_taille": "moyen",
            "field_voies": ["nord", "sud"],
            "field_nombre": "2",
            "description": "Deux trous profonds",
            "photos": [make_image("a.jpg"), make_image("b.png", fmt="PNG")],
        },
    )
    assert done.status_code == 302 and done["Location"] == reverse("portal:submit_done")
    sr = ServiceRequest.objects.get()
    assert sr.citizen == citizen and sr.address == address
    assert sr.field_values == {"taille": "moyen", "voies": ["nord", "sud"], "nombre": 2}
    assert Attachment.objects.filter(request=sr).count() == 2
    confirmation = marie.get(done["Location"]).content.decode()
    assert sr.reference in confirmation and "3 jours" in confirmation
    listing = marie.get(reverse("portal:my_requests")).content.decode()
    assert sr.reference in listing


def test_sending_the_same_form_twice_files_one_request(
    marie: Any, request_type: Any, address: Any
) -> None:
    marie.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    url = reverse("portal:submit_details", args=[request_type.code])
    data = {"draft_id": "abc123", "field_taille": "petit"}
    assert marie.post(url, data).status_code == 302
    marie.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    again = marie.post(url, data)
    assert again.status_code == 302 and again["Location"] == reverse("portal:submit_done")
    assert ServiceRequest.objects.count() == 1


def test_a_guest_files_a_request_and_gets_a_private_tracking_link_by_email(
    client: Any, request_type: Any, address: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers on commit
        done = client.post(
            reverse("portal:submit_details", args=[request_type.code]),
            {
                "field_taille": "petit",
                "description": "Trou",
                "contact_name": "Lucie Roy",
                "contact_email": "lucie@example.ca",
            },
        )
    assert done.status_code == 302
    sr = ServiceRequest.objects.get()
    assert sr.citizen is None and sr.contact_email == "lucie@example.ca"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lucie@example.ca"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/portail/suivi/" in line)
    path = urlsplit(link.strip()).path  # the e-mail's host is SITE_URL, the page's the request's
    confirmation = client.get(done["Location"]).content.decode()
    assert path in confirmation
    tracking = Client().get(path)  # as anyone holding the link
    assert tracking.status_code == 200 and sr.reference in tracking.content.decode()


def test_a_pin_outside_the_town_is_refused_on_the_location_page(
    client: Any, request_type: Any, town: Any
) -> None:
    page = client.post(
        reverse("portal:submit_location", args=[request_type.code]),
        {"latitude": OUTSIDE_TOWN[0], "longitude": OUTSIDE_TOWN[1]},
    )
    assert page.status_code == 200
    assert "hors du territoire" in page.content.decode()


def test_a_pin_in_town_is_enough(client: Any, request_type: Any, town: Any) -> None:
    step = client.post(
        reverse("portal:submit_location", args=[request_type.code]),
        {"latitude": CENTRE_LAT, "longitude": CENTRE_LON, "location_text": "Près du parc"},
    )
    assert step.status_code == 302


def test_open_requests_of_the_same_type_nearby_are_offered_to_follow(
    jean: Any, other_citizen: Any, marie_request: Any, request_type: Any, address: Any
) -> None:
    jean.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    page = jean.get(reverse("portal:submit_details", args=[request_type.code])).content.decode()
    assert marie_request.reference in page and "Already reported nearby" in page
    # Nothing personal of Marie's is shown.
    assert "Un gros trou devant chez moi" not in page and "Marie" not in page
    followed = jean.post(reverse("portal:follow", args=[marie_request.public_id]))
    assert followed.status_code == 302
    assert RequestFollower.objects.filter(request=marie_request, user=other_citizen).exists()
    listing = jean.get(reverse("portal:my_requests")).content.decode()
    assert marie_request.reference in listing


def test_two_copies_of_one_form_arriving_together_file_one_request(
    marie: Any, request_type: Any, address: Any
) -> None:
    """The offline queue and the browser may both resend: the session has not yet recorded
    the first when the second arrives. The draft is claimed before anything is filed."""
    location = reverse("portal:submit_location", args=[request_type.code])
    url = reverse("portal:submit_details", args=[request_type.code])
    marie.post(location, {"address_id": address.pk})
    data = {"draft_id": "en-double", "field_taille": "petit"}
    assert marie.post(url, data).status_code == 302
    session = marie.session
    session["portal_submitted"] = {}  # as if the second copy read the session first
    session.save()
    marie.post(location, {"address_id": address.pk})
    assert marie.post(url, data)["Location"] == reverse("portal:submit_done")
    assert ServiceRequest.objects.count() == 1


def test_a_refused_form_can_be_sent_again_with_the_same_draft(
    marie: Any, request_type: Any, address: Any
) -> None:
    marie.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    url = reverse("portal:submit_details", args=[request_type.code])
    assert marie.post(url, {"draft_id": "corrige"}).status_code == 400
    assert marie.post(url, {"draft_id": "corrige", "field_taille": "petit"}).status_code == 302
    assert ServiceRequest.objects.count() == 1


def test_a_refused_guest_form_shows_every_error_at_once(
    client: Any, request_type: Any, address: Any
) -> None:
    """Issue 15.3: the missing e-mail and the missing required field in the same answer."""
    client.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    page = client.post(
        reverse("portal:submit_details", args=[request_type.code]),
        {"description": "Trou", "contact_name": "Lucie Roy"},
    )
    assert page.status_code == 400
    form = page.context["form"]
    assert "contact_email" in form.errors and "field_taille" in form.errors
    assert not ServiceRequest.objects.exists()
