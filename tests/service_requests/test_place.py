"""Where a request is: the address she chose (or « près de » the one nearest her pin), then
her precision — the same text on every face that shows the place (issue 15, points 1 and 8).

Marie picks "100, rue Alexandre" from the address search and adds "Devant l'entrée, côté
nord"; Jean drops a pin 30 m from it; a third pin lands in a field far from any address."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from tests.api.conftest import ApiClient, session_token_for
from tests.desk.conftest import client_for
from victo_crm.desk.models import CannedResponse
from victo_crm.places.models import Address
from victo_crm.places.selectors import nearest_address
from victo_crm.places.services import addresses_locate
from victo_crm.service_requests.models import PublicVisibility, ServiceRequest
from victo_crm.service_requests.services import Contact, service_request_submit

pytestmark = pytest.mark.django_db

PRECISION = "Devant l'entrée, côté nord"
ALEXANDRE = (46.0700, -71.9600)
# About 30 m north-east of it.
PIN = (46.07025, -71.95985)
# About 2 km from any address of the registry.
FIELD = (46.0900, -71.9000)


@pytest.fixture
def alexandre(town: Any) -> Address:
    addr = Address.objects.create(
        civic_number=100, street="rue Alexandre", latitude=ALEXANDRE[0], longitude=ALEXANDRE[1]
    )
    # A farther neighbour: the nearest one must win.
    Address.objects.create(
        civic_number=120, street="rue Alexandre", latitude=46.0708, longitude=-71.9590
    )
    addresses_locate(addresses=list(Address.objects.all()))
    return addr


@pytest.fixture
def chosen(alexandre: Address, request_type: Any, citizen: Any) -> ServiceRequest:
    """Marie's request at the address she chose, with her precision."""
    return service_request_submit(
        request_type=request_type,
        citizen=citizen,
        field_values={"taille": "grand"},
        address=alexandre,
        location_text=PRECISION,
    )


@pytest.fixture
def pinned(alexandre: Address, request_type: Any, other_citizen: Any) -> ServiceRequest:
    """Jean's request, a pin on the map and no precision."""
    return service_request_submit(
        request_type=request_type,
        citizen=other_citizen,
        field_values={"taille": "petit"},
        latitude=PIN[0],
        longitude=PIN[1],
    )


class TestThePlaceLabel:
    def test_the_chosen_address_then_the_precision(self, chosen):
        assert chosen.location_text == PRECISION  # the precision alone is stored
        assert chosen.address_is_nearest is False
        assert chosen.place_label == f"100, rue Alexandre, Victoriaville — {PRECISION}"

    def test_the_address_alone_when_she_adds_no_precision(self, alexandre, request_type, citizen):
        sr = service_request_submit(
            request_type=request_type,
            citizen=citizen,
            field_values={"taille": "grand"},
            address=alexandre,
        )
        assert sr.place_label == "100, rue Alexandre, Victoriaville"

    def test_a_pin_is_named_by_the_nearest_address_found_at_submission(self, pinned, alexandre):
        pinned.refresh_from_db()
        assert pinned.address_id == alexandre.pk and pinned.address_is_nearest is True
        assert (pinned.latitude, pinned.longitude) == PIN  # the pin is kept, not moved
        with translation.override("fr"):
            assert pinned.place_label == "près de 100, rue Alexandre, Victoriaville"
        with translation.override("en"):
            assert pinned.place_label == "near 100, rue Alexandre, Victoriaville"

    def test_a_pin_far_from_every_address_shows_its_coordinates(
        self, alexandre, request_type, citizen
    ):
        sr = service_request_submit(
            request_type=request_type,
            citizen=citizen,
            field_values={"taille": "grand"},
            latitude=FIELD[0],
            longitude=FIELD[1],
            location_text="Dans le champ",
        )
        assert sr.address_id is None
        with translation.override("fr"):
            assert sr.place_label == "repère sur la carte (46.09000, -71.90000) — Dans le champ"

    def test_a_precision_that_repeats_the_address_is_not_kept(
        self, alexandre, request_type, citizen
    ):
        # An Open311 client sends the address's text as address_string beside its id.
        sr = service_request_submit(
            request_type=request_type,
            citizen=citizen,
            field_values={"taille": "grand"},
            address=alexandre,
            location_text=alexandre.label,
        )
        assert sr.location_text == ""
        assert sr.place_label == "100, rue Alexandre, Victoriaville"

    def test_the_copies_requests_filed_before_hold_are_cleared(self, chosen, citizen):
        # Before the precision was kept apart, the address's French label was stored in its
        # place; an English reader would see the address twice ("apt. 3" then "app. 3").
        import importlib

        from django.apps import apps

        unit = Address.objects.create(
            civic_number=100,
            civic_suffix="A",
            street="rue Alexandre",
            unit="3",
            latitude=ALEXANDRE[0],
            longitude=ALEXANDRE[1],
        )
        ServiceRequest.objects.filter(pk=chosen.pk).update(
            address=unit, location_text="100A, rue Alexandre, app. 3, Victoriaville"
        )
        kept = service_request_submit(
            request_type=chosen.request_type,
            citizen=citizen,
            field_values={"taille": "grand"},
            address=unit,
            location_text="100A, rue Alexandre, Victoriaville",  # not the label: hers
        )
        migration = importlib.import_module(
            "victo_crm.service_requests.migrations.0016_precision_without_address_copy"
        )
        migration.clear_address_copies(apps, None)
        chosen.refresh_from_db()
        kept.refresh_from_db()
        assert chosen.location_text == ""
        assert kept.location_text == "100A, rue Alexandre, Victoriaville"
        with translation.override("en"):
            assert chosen.place_label == "100A, rue Alexandre, apt. 3, Victoriaville"

    def test_the_nearest_search_is_bounded(self, alexandre):
        assert nearest_address(latitude=PIN[0], longitude=PIN[1]) == alexandre
        assert nearest_address(latitude=FIELD[0], longitude=FIELD[1]) is None


class TestEveryFaceShowsIt:
    def test_her_request_page_and_her_list(self, chosen, citizen):
        client = Client()
        client.force_login(citizen)
        page = client.get(f"/portail/mes-requetes/{chosen.reference}/").content.decode()
        assert "100, rue Alexandre, Victoriaville — Devant l&#x27;entrée, côté nord" in page
        listing = client.get("/portail/mes-requetes/").content.decode()
        assert "100, rue Alexandre, Victoriaville — Devant l&#x27;entrée, côté nord" in listing

    def test_a_guests_tracking_page(self, alexandre, request_type):
        sr = service_request_submit(
            request_type=request_type,
            contact=Contact(name="Nadia Roy", email="nadia@example.ca"),
            field_values={"taille": "grand"},
            address=alexandre,
            location_text=PRECISION,
        )
        page = Client().get(f"/portail/suivi/{sr.tracking_token}/").content.decode()
        assert "100, rue Alexandre, Victoriaville — Devant l&#x27;entrée, côté nord" in page

    def test_the_desk_request_page(self, chosen, pinned, agent):
        client = client_for(agent)
        page = client.get(f"/bureau/requetes/{chosen.reference}/").content.decode()
        assert "100, rue Alexandre, Victoriaville — Devant l&#x27;entrée, côté nord" in page
        page = client.get(f"/bureau/requetes/{pinned.reference}/").content.decode()
        assert "près de 100, rue Alexandre, Victoriaville" in page

    def test_the_desk_queue_names_pins_instead_of_a_dash(
        self, chosen, pinned, agent, django_assert_max_num_queries
    ):
        client = client_for(agent)
        client.get("/bureau/?file=team")  # warm the caches
        with django_assert_max_num_queries(20):
            page = client.get("/bureau/?file=team").content.decode()
        rows = [row for row in page.split("<tr") if "desk-col-place" in row]
        by_ref = {
            sr.reference: row for sr in (chosen, pinned) for row in rows if sr.reference in row
        }
        assert "100, rue Alexandre, Victoriaville — Devant" in by_ref[chosen.reference]
        assert "près de 100, rue Alexandre" in by_ref[pinned.reference]
        assert '<td class="desk-hide-sm desk-col-place">—</td>' not in by_ref[pinned.reference]

    def test_the_desk_export(self, chosen, supervisor):
        response = client_for(supervisor).get("/bureau/exporter.csv?file=team")
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert f"100, rue Alexandre, Victoriaville — {PRECISION}" in body

    def test_the_canned_response_address_placeholder(self, chosen, pinned):
        canned = CannedResponse.objects.create(
            title="Lieu", body_fr="Nous irons au {address}.", body_en="We will go to {address}."
        )
        assert canned.render(chosen) == (
            f"Nous irons au 100, rue Alexandre, Victoriaville — {PRECISION}."
        )
        # Jean writes in English: the English template and wording.
        assert canned.render(pinned) == "We will go to near 100, rue Alexandre, Victoriaville."

    def test_the_acknowledgement_e_mail(
        self, alexandre, request_type, citizen, django_capture_on_commit_callbacks
    ):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            service_request_submit(
                request_type=request_type,
                citizen=citizen,
                field_values={"taille": "grand"},
                address=alexandre,
                location_text=PRECISION,
            )
        bodies = [m.body for m in mail.outbox if m.to == [citizen.email]]
        assert len(bodies) == 1
        assert f"Lieu\u00a0: 100, rue Alexandre, Victoriaville — {PRECISION}" in bodies[0]

    def test_the_mobile_api_detail_and_list(self, chosen, pinned, citizen, other_citizen):
        marie = ApiClient(session_token_for(citizen))
        detail = json.loads(marie.get(f"/api/v1/requests/{chosen.reference}/").content)
        assert detail["place"] == f"100, rue Alexandre, Victoriaville — {PRECISION}"
        assert detail["address"]["label"] == "100, rue Alexandre, Victoriaville"
        assert detail["location_text"] == PRECISION
        listing = json.loads(marie.get("/api/v1/requests/").content)
        assert listing["results"][0]["place"] == detail["place"]
        jean = ApiClient(session_token_for(other_citizen), HTTP_ACCEPT_LANGUAGE="en")
        detail = json.loads(jean.get(f"/api/v1/requests/{pinned.reference}/").content)
        assert detail["place"] == "near 100, rue Alexandre, Victoriaville"
        assert detail["address"] is None  # the nearest address is not one he gave

    def test_open311_address_without_the_precision(self, chosen, pinned, request_type):
        # Open311 is public: the address (« près de » the nearest one for a pin) without her
        # precision, and only for a type the town publishes.
        request_type.public_visibility = PublicVisibility.WITHOUT_DESCRIPTION
        request_type.save()
        found = json.loads(Client().get(f"/open311/v2/requests/{chosen.reference}.json").content)
        assert found[0]["address"] == "100, rue Alexandre, Victoriaville"
        assert found[0]["address_id"] == chosen.address_id
        found = json.loads(Client().get(f"/open311/v2/requests/{pinned.reference}.json").content)
        assert found[0]["address"] == "près de 100, rue Alexandre, Victoriaville"
        assert found[0]["address_id"] is None
