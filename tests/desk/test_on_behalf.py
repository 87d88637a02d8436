"""Filing a request for a citizen who phoned or came to the counter."""

from __future__ import annotations

import pytest

from tests.desk.conftest import client_for
from victo_crm.desk.models import AccessLog
from victo_crm.service_requests.models import EventKind, RequestEvent, ServiceRequest

pytestmark = pytest.mark.django_db


class TestFindingTheCitizen:
    @pytest.mark.parametrize("query", ["Tremblay", "marie@example", "819 555-0199", "notre-dame"])
    def test_by_name_e_mail_phone_or_address(self, query, citizen, address, agent):
        citizen.phone = "819-555-0199"
        citizen.address = address
        citizen.save()
        html = client_for(agent).get(f"/bureau/requetes/nouvelle/?citoyen={query}").content.decode()
        assert f"?choisi={citizen.pk}" in html, query
        assert AccessLog.objects.filter(user=agent, citizen=citizen, what="citizen_search").exists()

    def test_opening_the_chosen_citizen_is_logged_too(self, citizen, address, agent):
        """The form then shows her e-mail, phone and address: a read of personal data."""
        citizen.phone = "819-555-0199"
        citizen.save()
        page = client_for(agent).get(f"/bureau/requetes/nouvelle/?choisi={citizen.pk}")
        assert "819-555-0199" in page.content.decode()
        assert AccessLog.objects.filter(user=agent, citizen=citizen).count() == 1

    def test_staff_accounts_are_not_offered_as_citizens(self, agent, supervisor):
        html = (
            client_for(agent)
            .get("/bureau/requetes/nouvelle/?citoyen=victoriaville.ca")
            .content.decode()
        )
        assert f"?choisi={supervisor.pk}" not in html


class TestFiling:
    def test_for_a_known_citizen_by_phone(self, citizen, address, agent, request_type):
        response = client_for(agent).post(
            f"/bureau/requetes/nouvelle/?choisi={citizen.pk}",
            {
                "citizen": citizen.pk,
                "request_type": request_type.pk,
                "channel": "phone",
                "description": "Appel : trou profond coin Notre-Dame.",
                "champ_taille": "moyen",
                "champ_voies": ["nord", "sud"],
                "address": address.pk,
            },
        )
        created = ServiceRequest.objects.get()
        assert (
            response.status_code == 302
            and response["Location"] == f"/bureau/requetes/{created.reference}/"
        )
        assert (created.citizen, created.channel, created.address) == (citizen, "phone", address)
        assert created.field_values == {"taille": "moyen", "voies": ["nord", "sud"]}
        submitted = RequestEvent.objects.get(request=created, kind=EventKind.SUBMITTED)
        assert submitted.actor == agent

    def test_for_a_guest_at_the_counter(self, agent, request_type, address):
        client_for(agent).post(
            "/bureau/requetes/nouvelle/",
            {
                "request_type": request_type.pk,
                "channel": "counter",
                "contact_name": "Gérard Côté",
                "contact_email": "gcote@example.ca",
                "contact_phone": "819 555-0142",
                "champ_taille": "petit",
                "address": address.pk,
            },
        )
        created = ServiceRequest.objects.get()
        assert (created.citizen, created.contact_name, created.channel) == (
            None,
            "Gérard Côté",
            "counter",
        )
        assert created.tracking_token_hash

    def test_a_missing_field_is_explained_and_what_was_typed_stays(
        self, agent, request_type, address
    ):
        response = client_for(agent).post(
            "/bureau/requetes/nouvelle/",
            {
                "request_type": request_type.pk,
                "channel": "phone",
                "contact_name": "Gérard Côté",
                "contact_email": "gcote@example.ca",
                "description": "Texte tapé pendant l’appel",
                "address": address.pk,
            },
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert "Le champ «\u00a0Taille\u00a0» est obligatoire." in html
        assert "Texte tapé pendant l’appel" in html and "Gérard Côté" in html
        assert not ServiceRequest.objects.exists()

    def test_every_refusal_shows_in_the_first_answer(self, agent, request_type):
        """The form's own refusal (no channel) and the service's (a guest without a name or an
        e-mail, no place, the type's required field) come in one answer, each in the summary
        and linked to its input: the clerk does not discover them one try at a time."""
        response = client_for(agent).post(
            "/bureau/requetes/nouvelle/",
            {"request_type": request_type.pk, "description": "Un appel"},
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert "Ce champ est obligatoire." in html  # the channel
        assert "Indiquez votre nom et votre courriel pour être tenu au courant." in html
        assert "Indiquez le lieu\u00a0: une adresse ou un point sur la carte." in html
        assert "Le champ «\u00a0Taille\u00a0» est obligatoire." in html
        for target in ("#id_channel", "#id_contact_name", "#id_address_query"):
            assert f'href="{target}' in html, target
        assert not ServiceRequest.objects.exists()

    def test_a_malformed_e_mail_is_said_once(self, agent, request_type, address):
        response = client_for(agent).post(
            "/bureau/requetes/nouvelle/",
            {
                "request_type": request_type.pk,
                "contact_name": "Gérard Côté",
                "contact_email": "pas-un-courriel",
                "address": address.pk,
            },
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert "Saisissez une adresse e-mail valide." in html
        assert "Cette adresse courriel n’est pas valide." not in html

    def test_the_address_search_offers_registry_addresses(self, agent, address):
        html = client_for(agent).get("/bureau/adresses/?address_query=1 notre").content.decode()
        assert f'value="{address.pk}"' in html and "rue Notre-Dame Est" in html
