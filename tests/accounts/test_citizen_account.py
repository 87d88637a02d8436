"""A citizen's account: most private by default, profile, preferences, consents, guest
requests joining the account, export and deletion (Law 25)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.conftest import make_user
from victo_crm.accounts import services
from victo_crm.accounts.models import Consent, User
from victo_crm.accounts.preferences import DEFAULTS, effective_preferences, wants
from victo_crm.notifications.models import Notification
from victo_crm.service_requests.models import Attachment, RequestFollower, ServiceRequest
from victo_crm.service_requests.services import Contact, service_request_submit

pytestmark = pytest.mark.django_db


def test_a_new_account_starts_at_its_most_private_settings(citizen: User) -> None:
    prefs = effective_preferences(citizen)
    on = sorted(key for key, enabled in prefs.items() if enabled)
    assert on == [("request_updates", "email"), ("request_updates", "in_app")]
    assert len(prefs) == len(DEFAULTS) == 20
    assert not Consent.objects.filter(user=citizen).exists()


def test_marie_updates_her_profile_with_a_registry_address(citizen: User, address: Any) -> None:
    services.user_profile_update(
        user=citizen,
        first_name=" Marie ",
        last_name="Tremblay",
        phone="819 758-0555",
        address=address.pk,
        address_unit="3",
        preferred_language="en",
    )
    citizen.refresh_from_db()
    assert citizen.first_name == "Marie" and citizen.address == address
    assert citizen.preferred_language == "en" and citizen.address_unit == "3"
    assert {z.code for z in citizen.address.zones.all()} >= {"victoriaville", "ouest"}


def test_a_bad_profile_is_refused_field_by_field_and_nothing_changes(citizen: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.user_profile_update(
            user=citizen,
            first_name="M" * 151,
            last_name="",
            phone="abc",
            address=999999,
            preferred_language="de",
        )
    assert set(error.value.message_dict) == {"first_name", "phone", "address", "preferred_language"}
    citizen.refresh_from_db()
    assert citizen.first_name == "Marie"


def test_preferences_are_stored_only_where_they_differ_from_the_default(citizen: User) -> None:
    services.user_preferences_set(
        user=citizen,
        preferences={("collections", "email"): True, ("request_updates", "email"): True},
    )
    assert citizen.preferences.count() == 1
    assert wants(citizen, topic="collections", channel="email")
    assert wants(citizen, topic="request_updates", channel="in_app")
    assert not wants(citizen, topic="city_news", channel="push")


def test_texts_need_a_phone_number(citizen: User) -> None:
    # French whatever language an earlier request of this test process left active.
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.user_preferences_set(user=citizen, preferences={("emergencies", "sms"): True})
    assert "numéro de téléphone" in error.value.message_dict["preferences"][0]


def test_a_consent_is_given_and_withdrawn_and_the_record_stays(citizen: User) -> None:
    given = services.consent_give(user=citizen, purpose="surveys")
    assert services.consent_give(user=citizen, purpose="surveys").pk == given.pk
    assert services.consent_withdraw(user=citizen, purpose="surveys") == 1
    given.refresh_from_db()
    assert given.withdrawn_at is not None and given.version == services.CONSENT_VERSION
    again = services.consent_give(user=citizen, purpose="surveys")
    assert again.pk != given.pk and Consent.objects.filter(user=citizen).count() == 2
    with pytest.raises(ValidationError):
        services.consent_give(user=citizen, purpose="marketing")


def test_guest_requests_join_the_account_when_the_same_email_is_verified(
    request_type: Any, address: Any
) -> None:
    guest = service_request_submit(
        request_type=request_type,
        contact=Contact(name="Lucie", email="Lucie@Example.ca"),
        field_values={"taille": "petit"},
        address=address,
    )
    other = service_request_submit(
        request_type=request_type,
        contact=Contact(name="Autre", email="autre@example.ca"),
        field_values={"taille": "petit"},
        address=address,
    )
    lucie = make_user("lucie@example.ca")
    unverified = EmailAddress.objects.create(user=lucie, email="lucie@example.ca", verified=False)
    assert services.guest_requests_claim(user=lucie, email="lucie@example.ca") == 0
    unverified.verified = True
    unverified.save()
    email_confirmed.send(sender=EmailAddress, request=None, email_address=unverified)
    guest.refresh_from_db()
    other.refresh_from_db()
    assert guest.citizen == lucie and other.citizen is None


def _marie_with_history(
    citizen: User, other_citizen: User, request_type: Any, address: Any, make_image: Any
) -> ServiceRequest:
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    services.consent_give(user=citizen, purpose="surveys")
    services.user_preferences_set(user=citizen, preferences={("collections", "email"): True})
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
    data = json.loads(services.user_data_export_json(user=citizen))
    assert data["profile"]["email"] == "marie@example.ca"
    assert [r["reference"] for r in data["requests"]] == [sr.reference]
    assert data["requests"][0]["photos"] == ["maison.jpg"]
    assert data["consents"][0]["purpose"] == "surveys"
    assert {"topic": "collections", "channel": "email", "enabled": True} in data["preferences"]
    assert len(data["followed_requests"]) == 1
    assert "jean@example.ca" not in json.dumps(data)
    archive = zipfile.ZipFile(io.BytesIO(services.user_data_export_csv(user=citizen)))
    assert "requetes.csv" in archive.namelist() and "consentements.csv" in archive.namelist()
    rows = list(csv.DictReader(io.StringIO(archive.read("requetes.csv").decode("utf-8-sig"))))
    assert rows[0]["reference"] == sr.reference
    # A formula would run in a spreadsheet: it is neutralised.
    assert rows[0]["description"].startswith("'=")


def test_deleting_the_account_needs_the_password_again(citizen: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.user_delete(user=citizen, password="wrong")
    assert error.value.message_dict == {"password": ["Mot de passe incorrect."]}
    assert User.objects.filter(pk=citizen.pk).exists()


def test_deleting_the_account_anonymises_the_requests_and_keeps_them(
    citizen: User, other_citizen: User, request_type: Any, address: Any, make_image: Any
) -> None:
    sr = _marie_with_history(citizen, other_citizen, request_type, address, make_image)
    attachment = Attachment.objects.get(request=sr)
    original_path = attachment.file.path
    assert services.user_delete(user=citizen, password="correct horse battery") == 1
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


def test_the_accounts_app_connects_the_guest_claim_when_it_is_ready() -> None:
    from django.apps import apps

    def uids() -> list[Any]:
        return [key[0] for key, *_rest in email_confirmed.receivers]

    email_confirmed.disconnect(dispatch_uid="victo_guest_requests_claim")
    assert "victo_guest_requests_claim" not in uids()
    apps.get_app_config("accounts").ready()
    assert uids().count("victo_guest_requests_claim") == 1


def test_deleting_the_account_forgets_the_portal_s_resend_receipts(
    citizen: User, other_citizen: User, request_type: Any, address: Any
) -> None:
    from victo_crm.portal.models import SubmissionReceipt
    from victo_crm.portal.services import service_request_submit_once

    common = {"request_type": request_type, "field_values": {"taille": "petit"}, "address": address}
    service_request_submit_once(token="compte-1", citizen=citizen, **common)
    service_request_submit_once(
        token="invite-1", contact=Contact(name="Marie", email="MARIE@example.ca"), **common
    )
    service_request_submit_once(token="jean-1", citizen=other_citizen, **common)
    assert SubmissionReceipt.objects.count() == 3
    services.user_delete(user=citizen, password="correct horse battery")
    assert list(SubmissionReceipt.objects.values_list("token", flat=True)) == ["jean-1"]
