"""A citizen's account: most private by default, profile, preferences, consents, guest
requests joining the account. (Export and deletion: tests/privacy.)"""

from __future__ import annotations

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
from victo_crm.service_requests.citizen import guest_requests_claim
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
    assert guest_requests_claim(user=lucie, email="lucie@example.ca") == 0
    unverified.verified = True
    unverified.save()
    email_confirmed.send(sender=EmailAddress, request=None, email_address=unverified)
    guest.refresh_from_db()
    other.refresh_from_db()
    assert guest.citizen == lucie and other.citizen is None


def test_the_requests_app_connects_the_guest_claim_when_it_is_ready() -> None:
    from django.apps import apps

    def uids() -> list[Any]:
        return [key[0] for key, *_rest in email_confirmed.receivers]

    email_confirmed.disconnect(dispatch_uid="victo_guest_requests_claim")
    assert "victo_guest_requests_claim" not in uids()
    apps.get_app_config("service_requests").ready()
    assert uids().count("victo_guest_requests_claim") == 1
