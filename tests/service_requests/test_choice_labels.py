"""A stored choice is shown in the reader's language on every face (issue 15, point 7).

Jean reads English: the English form offered "Medium", and his request page, the desk of an
English-speaking agent, the app and his receipt e-mail must say "Medium", never "Moyen".
French readers keep "Moyen". Old rows that stored a label (French or English) follow the
reader too."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.api.conftest import ApiClient, session_token_for
from tests.conftest import CENTRE_LAT, CENTRE_LON, make_user, sign_in
from victo_crm.accounts import roles
from victo_crm.service_requests.fields import choice_label, field_rows
from victo_crm.service_requests.models import RequestTypeField, ServiceRequest
from victo_crm.service_requests.services import service_request_submit

pytestmark = pytest.mark.django_db


def file(request_type, citizen, values) -> ServiceRequest:
    return service_request_submit(
        request_type=request_type,
        citizen=citizen,
        description="Un trou profond.",
        field_values=values,
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
    )


@pytest.fixture
def size(request_type) -> RequestTypeField:
    return request_type.fields.get(code="taille")


def test_a_choice_reads_in_each_language_from_its_code_or_an_old_label(size):
    assert choice_label(size, "moyen", "fr") == "Moyen"
    assert choice_label(size, "moyen", "en") == "Medium"
    # Rows written before codes were stored, in either language:
    assert choice_label(size, "Moyen", "en") == "Medium"
    assert choice_label(size, "medium", "fr") == "Moyen"
    # What matches no choice is shown as stored, never dropped.
    assert choice_label(size, "énorme", "en") == "énorme"


def test_english_falls_back_to_french_when_a_choice_has_no_english(request_type):
    lanes = request_type.fields.get(code="voies")
    rows = field_rows([lanes], {"voies": ["nord", "sud"]}, "en")
    assert rows == [("Voies touchées", "Nord, Sud")]


def test_jean_reads_english_on_his_page_and_in_his_receipt(
    client, request_type, other_citizen, town, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sr = file(request_type, other_citizen, {"taille": "moyen"})
    client.force_login(other_citizen)
    client.post("/i18n/setlang/", {"language": "en", "next": "/portail/"})
    page = client.get(reverse("portal:request_detail", kwargs={"reference": sr.reference}))
    assert "Size" in page.text
    assert "Medium" in page.text and "Moyen" not in page.text
    receipt = next(m for m in mail.outbox if m.to == ["jean@example.ca"])
    assert "Size: Medium" in receipt.body and "Moyen" not in receipt.body


def test_marie_reads_french_and_her_receipt_too(
    client, request_type, citizen, town, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sr = file(request_type, citizen, {"taille": "moyen"})
    client.force_login(citizen)
    page = client.get(reverse("portal:request_detail", kwargs={"reference": sr.reference}))
    assert "Moyen" in page.text and "Medium" not in page.text
    receipt = next(m for m in mail.outbox if m.to == [citizen.email])
    assert "Taille\u00a0: Moyen" in receipt.body  # French typography in the answers too


def test_the_desk_shows_the_agents_language(client, request_type, citizen, town, teams):
    sr = file(request_type, citizen, {"taille": "grand", "voies": ["nord"]})
    url = reverse("desk:request", kwargs={"reference": sr.reference})
    for email, language, shown, hidden in (
        ("agent.fr@victoriaville.ca", "fr", "<dt>Taille</dt><dd>Grand</dd>", "Large"),
        ("agent.en@victoriaville.ca", "en", "<dt>Size</dt><dd>Large</dd>", "Grand"),
    ):
        agent = make_user(
            email, role=roles.AGENT, teams=(teams["tp"],), preferred_language=language
        )
        sign_in(client, agent)  # both factors, as staff must
        client.post("/i18n/setlang/", {"language": language, "next": url})
        page = client.get(url).text
        assert shown in page and f"<dd>{hidden}</dd>" not in page, language


def test_an_old_row_with_a_french_label_reads_in_english(client, request_type, other_citizen, town):
    sr = file(request_type, other_citizen, {"taille": "moyen"})
    ServiceRequest.objects.filter(pk=sr.pk).update(field_values={"taille": "Moyen"})
    client.force_login(other_citizen)
    client.post("/i18n/setlang/", {"language": "en", "next": "/portail/"})
    page = client.get(reverse("portal:request_detail", kwargs={"reference": sr.reference}))
    assert "Medium" in page.text and "Moyen" not in page.text


def test_the_app_gets_codes_and_labels_in_its_language(request_type, other_citizen, town):
    sr = file(request_type, other_citizen, {"taille": "moyen"})
    api = ApiClient(session_token_for(other_citizen))
    url = f"/api/v1/requests/{sr.reference}/"
    english = api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["field_values"] == {"taille": "moyen"}
    assert english["field_answers"] == [
        {"code": "taille", "label": "Size", "value": "moyen", "display": "Medium"}
    ]
    french = api.get(url, HTTP_ACCEPT_LANGUAGE="fr").json()
    assert french["field_answers"][0]["display"] == "Moyen"
    # Another citizen reads nothing of it.
    stranger = make_user("autre@example.ca")
    other = ApiClient(session_token_for(stranger)).get(url)
    assert other.status_code == 404 or other.json().get("field_answers") is None
