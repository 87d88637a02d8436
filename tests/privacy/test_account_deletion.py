"""Marie's export and deletion through the privacy services, as the portal and the API call
them: the JSON and CSV of the archive, the password asked again, requests kept anonymised,
the portal's resend receipts forgotten."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError

from victo_crm.accounts import services as account_services
from victo_crm.accounts.models import Consent, User
from victo_crm.notifications.models import Notification
from victo_crm.privacy import services
from victo_crm.service_requests.models import Attachment, RequestFollower, ServiceRequest
from victo_crm.service_requests.services import Contact, service_request_submit

pytestmark = pytest.mark.django_db


def _marie_with_history(
    citizen: User, other_citizen: User, request_type: Any, address: Any, make_image: Any
) -> ServiceRequest:
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    account_services.consent_give(user=citizen, purpose="surveys")
    account_services.user_preferences_set(
        user=citizen, preferences={("collections", "email"): True}
    )
    sr = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        description='=HYPERLINK("http://x") trou <script>alert(1)</script>',
        field_values={"taille": "grand"},
        address=address,
        photos=[make_image("maison.jpg", exif=True)],
    )
    theirs = service_request_submit(
        request_type=request_type,
        citizen=other_citizen,
        field_values={"taille": "petit"},
        address=address,
    )
    RequestFollower.objects.create(request=theirs, user=citizen)
    return sr


def test_marie_downloads_everything_she_gave_as_json_and_csv(
    citizen: User, other_citizen: User, request_type: Any, address: Any, make_image: Any
) -> None:
    sr = _marie_with_history(citizen, other_citizen, request_type, address, make_image)
    archive = zipfile.ZipFile(io.BytesIO(services.personal_data_archive(user=citizen)))
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["email"] == "marie@example.ca"
    assert [r["reference"] for r in data["requests"]] == [sr.reference]
    assert [p["name"] for p in data["requests"][0]["photos"]] == ["maison.jpg"]
    assert data["consents"][0]["purpose"] == "surveys"
    assert {"topic": "collections", "channel": "email", "enabled": True} in data["preferences"]
    assert len(data["followed_requests"]) == 1
    assert "jean@example.ca" not in json.dumps(data)
    assert "csv/requests.csv" in archive.namelist() and "csv/consents.csv" in archive.namelist()
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/requests.csv").decode("utf-8-sig"))))
    assert rows[0]["reference"] == sr.reference
    # A formula would run in a spreadsheet: it is neutralised.
    assert rows[0]["description"].startswith("'=")


def test_deleting_the_account_needs_the_password_again(citizen: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.account_delete(user=citizen, password="wrong")
    assert error.value.message_dict == {"password": ["Mot de passe incorrect."]}
    assert User.objects.filter(pk=citizen.pk).exists()


def test_deleting_the_account_anonymises_the_requests_and_keeps_them(
    citizen: User,
    other_citizen: User,
    request_type: Any,
    address: Any,
    make_image: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sr = _marie_with_history(citizen, other_citizen, request_type, address, make_image)
    attachment = Attachment.objects.get(request=sr)
    original_path = attachment.file.path
    # The original goes from storage once the deletion commits (a rollback keeps it).
    with django_capture_on_commit_callbacks(execute=True):
        assert services.account_delete(user=citizen, password="correct horse battery") == 1
    assert not User.objects.filter(email="marie@example.ca").exists()
    sr.refresh_from_db()
    assert (
        sr.citizen is None
        and sr.contact_email == ""
        and sr.contact_name == ""
        and sr.contact_phone == ""
    )
    assert sr.description.startswith("=HYPERLINK")  # the town's record stays
    attachment.refresh_from_db()
    assert attachment.file.name == attachment.public_file.name
    import os

    assert not os.path.exists(original_path)  # the original carried the EXIF position
    assert (
        not Consent.objects.exists()
        and not RequestFollower.objects.filter(user_id=citizen.pk).exists()
    )
    assert not Notification.objects.filter(address__iexact="marie@example.ca").exists()


def test_deleting_the_account_forgets_the_portal_s_resend_receipts(
    citizen: User, other_citizen: User, request_type: Any, address: Any
) -> None:
    from victo_crm.portal.services import service_request_submit_once
    from victo_crm.service_requests.models import Receipt

    # Only an address she proved is hers reaches what was filed under it as a guest.
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    common = {"request_type": request_type, "field_values": {"taille": "petit"}, "address": address}
    service_request_submit_once(token="compte-1", citizen=citizen, **common)
    service_request_submit_once(
        token="invite-1", contact=Contact(name="Marie", email="MARIE@example.ca"), **common
    )
    service_request_submit_once(token="jean-1", citizen=other_citizen, **common)
    assert Receipt.objects.count() == 3
    services.account_delete(user=citizen, password="correct horse battery")
    assert list(Receipt.objects.values_list("key", flat=True)) == ["jean-1"]


def test_an_unverified_address_reaches_no_one_else_s_guest_requests(
    citizen: User, request_type: Any, address: Any
) -> None:
    """Marie adds Lucie's address without being able to read its mail: deleting her account
    must not anonymise Lucie's guest request, nor put it in Marie's export."""
    lucie = service_request_submit(
        request_type=request_type,
        contact=Contact(name="Lucie Roy", email="lucie@example.ca"),
        field_values={"taille": "petit"},
        address=address,
    )
    EmailAddress.objects.create(user=citizen, email="lucie@example.ca", verified=False)

    archive = zipfile.ZipFile(io.BytesIO(services.personal_data_archive(user=citizen)))
    assert json.loads(archive.read("data.json"))["requests"] == []
    services.account_delete(user=citizen, password="correct horse battery")
    lucie.refresh_from_db()
    assert (lucie.contact_name, lucie.contact_email) == ("Lucie Roy", "lucie@example.ca")
    assert lucie.tracking_token_hash
