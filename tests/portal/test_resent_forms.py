"""A form kept on the device and sent later: it carries its place, so no session step is
needed; it is filed once per token whatever how many copies arrive; a refusal is explained
in French and stores nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.conftest import CENTRE_LAT, CENTRE_LON, OUTSIDE_TOWN
from victo_crm.service_requests.models import Receipt, ServiceRequest

pytestmark = pytest.mark.django_db


def kept_copy(address: Any, **extra: Any) -> dict[str, Any]:
    """What portal.js keeps of the details form (location fields included)."""
    return {
        "draft_id": "4f9c0a7e2b6d4e1f9a3c5b7d9e1f3a5c",
        "location_in_form": "1",
        "address_id": str(address.pk),
        "address_query": address.label,
        "latitude": "",
        "longitude": "",
        "location_text": "Devant l’école",
        "field_taille": "moyen",
        "description": "Écrit sans réseau",
        **extra,
    }


def send(browser: Client, request_type: Any, data: dict[str, Any]) -> Any:
    return browser.post(
        reverse("portal:submit_details", args=[request_type.code]),
        data,
        HTTP_ACCEPT="application/json",
    )


def test_a_kept_copy_needs_no_session_step_and_is_filed_once(
    marie: Client, citizen: Any, request_type: Any, address: Any, make_image: Any
) -> None:
    first = send(marie, request_type, kept_copy(address, photos=[make_image("a.jpg")]))
    assert first.status_code == 201, first.content
    sr = ServiceRequest.objects.get()
    assert (
        first.json()["reference"] == sr.reference
        and first.json()["url"] == "/portail/requete/envoyee/"
    )
    assert sr.citizen == citizen and sr.address == address and sr.location_text == "Devant l’école"
    assert sr.field_values["taille"] == "moyen" and sr.attachments.count() == 1
    # The answer was lost; the device sends its copy again, from another session even.
    again = Client()
    again.force_login(citizen)
    second = send(again, request_type, kept_copy(address, photos=[make_image("a.jpg")]))
    assert second.status_code == 200
    assert second.json()["duplicate"] is True and second.json()["reference"] == sr.reference
    assert "avait déjà été reçue" in second.json()["message"]
    assert ServiceRequest.objects.count() == 1


def test_the_same_token_from_someone_else_is_their_own_form(
    marie: Client, jean: Client, request_type: Any, address: Any
) -> None:
    assert send(marie, request_type, kept_copy(address)).status_code == 201
    assert send(jean, request_type, kept_copy(address)).status_code == 201
    assert ServiceRequest.objects.count() == 2


def test_a_guest_copy_is_filed_once_per_e_mail_address(
    client: Client, request_type: Any, address: Any
) -> None:
    guest = kept_copy(address, contact_name="Lucie Roy", contact_email="lucie@example.ca")
    assert send(client, request_type, guest).status_code == 201
    assert (
        send(Client(), request_type, {**guest, "contact_email": "LUCIE@example.ca"}).status_code
        == 200
    )
    other = {**guest, "contact_email": "paul@example.ca"}
    assert send(Client(), request_type, other).status_code == 201
    assert ServiceRequest.objects.count() == 2
    assert not Receipt.objects.filter(scope__contains="lucie").exists()  # hashed


def test_a_refused_copy_is_explained_and_stores_nothing_then_can_be_sent_again(
    marie: Client, request_type: Any, address: Any
) -> None:
    refused = send(marie, request_type, kept_copy(address, field_taille=""))
    assert refused.status_code == 400
    assert any("Taille" in message for message in refused.json()["errors"])
    assert not ServiceRequest.objects.exists() and not Receipt.objects.exists()
    assert send(marie, request_type, kept_copy(address)).status_code == 201


def test_a_place_outside_the_town_is_refused_in_french(
    marie: Client, request_type: Any, town: Any
) -> None:
    data = {
        "draft_id": "hors-ville-1234",
        "location_in_form": "1",
        "latitude": str(OUTSIDE_TOWN[0]),
        "longitude": str(OUTSIDE_TOWN[1]),
        "field_taille": "petit",
    }
    refused = send(marie, request_type, data)
    assert refused.status_code == 400
    assert (
        "Ce lieu est hors du territoire de la Ville de Victoriaville." in refused.json()["errors"]
    )
    assert not ServiceRequest.objects.exists()


def test_a_pin_and_a_typed_address_are_resolved_when_the_copy_arrives(
    marie: Client, request_type: Any, address: Any
) -> None:
    pin = kept_copy(
        address,
        address_id="",
        address_query="",
        latitude=str(CENTRE_LAT),
        longitude=str(CENTRE_LON),
    )
    assert send(marie, request_type, {**pin, "draft_id": "epingle-0001"}).status_code == 201
    typed = kept_copy(address, address_id="", address_query="1 notre-dame est")
    assert send(marie, request_type, {**typed, "draft_id": "tape-0001"}).status_code == 201
    pinned, typed_sr = ServiceRequest.objects.order_by("created_at")
    # A pin keeps its position; the address is only the nearest one, flagged as such.
    assert pinned.latitude == pytest.approx(CENTRE_LAT)
    assert pinned.address is None or pinned.address_is_nearest
    assert typed_sr.address == address


def test_without_a_place_the_device_is_told_so(marie: Client, request_type: Any, town: Any) -> None:
    refused = send(marie, request_type, {"draft_id": "sans-lieu-1", "field_taille": "petit"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        "Indiquez le lieu\u00a0: une adresse ou un point sur la carte."
    ]


def test_the_details_page_carries_the_place_chosen_at_the_previous_step(
    marie: Client, request_type: Any, address: Any
) -> None:
    marie.post(
        reverse("portal:submit_location", args=[request_type.code]),
        {"address_id": address.pk, "location_text": "Coin de rue"},
    )
    page = marie.get(reverse("portal:submit_details", args=[request_type.code])).content.decode()
    assert f'name="address_id" value="{address.pk}"' in page
    assert 'name="location_text" value="Coin de rue"' in page
    assert 'name="location_in_form" value="1"' in page


def test_the_location_page_holds_the_next_step_for_when_the_connection_drops(
    client: Client, request_type: Any, town: Any
) -> None:
    page = client.get(reverse("portal:submit_location", args=[request_type.code])).content.decode()
    template = page.split('<template id="offline-details">', 1)[1].split("</template>", 1)[0]
    assert 'name="field_taille"' in template and 'name="photos"' in template
    assert 'name="contact_email"' in template  # a guest says how to reach them
    assert "Vous êtes hors ligne. Continuez" in template


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_arriving_at_the_same_moment_file_one_request(
    seeded: Any, citizen: Any, request_type: Any, address: Any
) -> None:
    """Two tabs flush the same kept copy at once: the second waits on the receipt's unique
    key, then answers with the first one's request."""
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def tab() -> None:
        browser = Client()
        browser.force_login(citizen)
        barrier.wait()
        try:
            answers.append(send(browser, request_type, kept_copy(address)).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 201]
    assert ServiceRequest.objects.count() == 1
