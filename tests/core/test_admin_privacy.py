"""The admin is the configuration back-office: it shows no citizen's personal data.

A supervisor of Travaux publics and Environnement gets 404 on the desk for another team's
request; the admin must not show it either (it showed every request with the requester's
name, e-mail, phone, description and field values, every account, notification bodies and
push tokens, none of it logged). Personal data is read in the desk, within the reader's
scope, each read in the access log; a superuser without a staff role states a reason first
(tests/desk/test_break_glass.py).

The classification of models lives in one place, ``victo_crm.core.privacy``: these tests
fail when a model of the project, or a model registered in the admin, is not classified
there, or when a configuration model gains a field that may point at a person.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models
from django.test import Client

from tests.conftest import CENTRE_LAT, CENTRE_LON, make_user, sign_in
from victo_crm.accounts import roles
from victo_crm.accounts.models import User
from victo_crm.alerts.models import AlertTopic, Subscription
from victo_crm.core import privacy
from victo_crm.desk.models import AccessWhat
from victo_crm.desk.services import access_log_record
from victo_crm.notifications.models import Notification, NotificationStatus, PushDevice
from victo_crm.service_requests.services import service_request_submit

# Fields of configuration models that name a person, each reviewed: they name staff (who
# configure or are configured), never a citizen.
REVIEWED_PERSON_FIELDS = {
    "accounts.team": {"email": "the team's shared mailbox", "members": "staff only"},
    "service_requests.accessgrant": {"grantee": "a staff member", "created_by": "an administrator"},
    "alerts.notice": {"created_by": "staff", "published_by": "staff", "requested_by": "staff"},
    "alerts.noticeevent": {"actor": "a staff member", "actor_email": "a staff member's"},
    "service_requests.assignmentrule": {"last_assignee": "an agent (round robin)"},
    "notifications.notificationrule": {"fixed_addresses": "staff mailboxes"},
    "wagtaildocs.document": {"uploaded_by_user": "a web editor"},
    "wagtailimages.image": {"uploaded_by_user": "a web editor"},
}

PERSONAL_WORDS = ("email", "phone", "contact", "courriel", "address", "token", "endpoint")


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


# --- The classification --------------------------------------------------------------------


def test_every_model_registered_in_the_admin_is_configuration_or_reviewed():
    unclassified = []
    for model, model_admin in admin.site._registry.items():
        label = _label(model)
        if label in privacy.PERSONAL_DATA_MODELS:
            if label not in privacy.ADMIN_RESTRICTED:
                unclassified.append(f"{label}: personal data, registered in the admin")
        elif label not in privacy.CONFIGURATION_MODELS:
            unclassified.append(f"{label}: not classified in victo_crm.core.privacy")
        for inline in model_admin.inlines:
            inline_label = _label(inline.model)
            if inline_label not in privacy.CONFIGURATION_MODELS and inline_label != (
                "accounts.team_members"
            ):
                unclassified.append(f"{label}: inline of {inline_label}")
    assert unclassified == []


def test_every_model_of_the_project_is_classified():
    ours = [m for m in apps.get_models() if m.__module__.startswith("victo_crm.")]
    missing = [
        _label(m)
        for m in ours
        if _label(m) not in privacy.PERSONAL_DATA_MODELS
        and _label(m) not in privacy.CONFIGURATION_MODELS
        and m._meta.app_label != "website"  # Wagtail pages: the public website
    ]
    assert missing == []
    assert set(privacy.ADMIN_RESTRICTED) <= set(privacy.PERSONAL_DATA_MODELS)
    assert not set(privacy.PERSONAL_DATA_MODELS) & set(privacy.CONFIGURATION_MODELS)


def test_no_configuration_model_has_an_unreviewed_field_naming_a_person():
    """A new field pointing at an account, or looking like contact data, on a model shown
    in the admin as configuration must be reviewed (and listed above) or the model moved."""
    found = []
    for label in privacy.CONFIGURATION_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        reviewed = REVIEWED_PERSON_FIELDS.get(label, {})
        for field in model._meta.get_fields():
            if field.auto_created and not field.concrete:
                continue  # a reverse relation: the other model is classified on its own
            if field.name in reviewed:
                continue
            names_a_person = getattr(field, "related_model", None) is User
            looks_personal = isinstance(field, models.EmailField) or any(
                word in field.name for word in PERSONAL_WORDS
            )
            if label == "places.address":  # the civic registry: addresses without residents
                looks_personal = False
            if names_a_person or looks_personal:
                found.append(f"{label}.{field.name}")
    assert found == []


@pytest.mark.django_db
def test_no_role_holds_a_permission_on_personal_data_beyond_the_reviewed_ones():
    from victo_crm.accounts.permissions import ensure_role_permissions

    ensure_role_permissions()
    for group_name in (*roles.STAFF_ROLES, roles.WEB_EDITOR):
        held = Group.objects.get(name=group_name).permissions.select_related("content_type")
        for permission in held:
            label = f"{permission.content_type.app_label}.{permission.content_type.model}"
            if label not in privacy.PERSONAL_DATA_MODELS:
                continue
            allowed = privacy.ADMINISTRATOR_PERMISSIONS.get(label, ())
            action = permission.codename.split("_", 1)[0]
            assert group_name == roles.ADMINISTRATOR and action in allowed, (
                group_name,
                permission.codename,
            )
    supervisor_codenames = set(
        Group.objects.get(name=roles.SUPERVISOR).permissions.values_list("codename", flat=True)
    )
    assert "view_requesttype" in supervisor_codenames  # still reads the configuration
    assert not {"view_servicerequest", "view_user", "view_notification"} & supervisor_codenames


def test_contacts_are_masked_in_a_delivery_error():
    masked = privacy.mask_contacts(
        "550 5.1.1 <marie@example.ca>: Recipient address rejected; sms to +1 819 555-0142"
    )
    assert "marie@example.ca" not in masked and "555-0142" not in masked
    assert masked.startswith("550 5.1.1 <[courriel]>") and "[numéro]" in masked


# --- The personas, on the admin ----------------------------------------------------------------

SECRET_BITS = (
    "marie@example.ca",
    "Tremblay",
    "819 555-0142",
    "Roger le voisin",
    "https://push.example/jeton-secret",
    "Votre requête, Marie",
    "rue des Érables",
)


@pytest.fixture
def personal_world(request_type, citizen, teams, town, address) -> dict[str, Any]:
    """Marie's data everywhere the admin once showed it."""
    citizen.phone = "819 555-0142"
    citizen.save(update_fields=["phone"])
    sr = service_request_submit(
        request_type=request_type,
        citizen=citizen,
        description="Roger le voisin a encore déposé ses branches.",
        location_text="12 rue des Érables",
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
        field_values={"taille": "grand"},
    )
    notification = Notification.objects.filter(request=sr).first() or Notification.objects.create(
        recipient=citizen, channel="email", kind="request_received", request=sr, dedup_key="x"
    )
    Notification.objects.filter(pk=notification.pk).update(
        subject="Votre requête, Marie",
        body="Votre requête, Marie Tremblay",
        status=NotificationStatus.FAILED,
        last_error="550 <marie@example.ca> rejected",
    )
    device = PushDevice.objects.create(
        user=citizen, kind="webpush", endpoint="https://push.example/jeton-secret"
    )
    topic = AlertTopic.objects.get_or_create(
        code="ordures", defaults={"category": "collection", "name_fr": "Ordures"}
    )[0]
    subscription = Subscription.objects.create(
        user=citizen, topic=topic, address=address, channels=["email"]
    )
    return {"request": sr, "notification": notification, "device": device, "sub": subscription}


@pytest.fixture
def tp_env_supervisor(teams) -> User:
    return make_user(
        "superviseur.tpenv@victoriaville.ca",
        role=roles.SUPERVISOR,
        teams=(teams["tp"], teams["env"]),
    )


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(email="racine@victoriaville.ca", password="x")


def client_for(user: User) -> Client:
    return sign_in(Client(), user)


def _personal_urls(world: dict[str, Any], citizen: User) -> list[str]:
    sr = world["request"]
    return [
        "/admin/service_requests/servicerequest/",
        f"/admin/service_requests/servicerequest/{sr.pk}/change/",
        "/admin/notifications/pushdevice/",
        f"/admin/notifications/pushdevice/{world['device'].pk}/change/",
        "/admin/notifications/emailsuppression/",
        "/admin/alerts/subscription/",
        f"/admin/alerts/subscription/{world['sub'].pk}/change/",
        "/admin/account/emailaddress/",
        "/admin/mfa/authenticator/",
    ]


@pytest.mark.parametrize("persona", ["tp_env_supervisor", "administrator", "superuser"])
def test_requests_and_citizens_things_are_not_in_the_admin(
    persona, personal_world, citizen, request
):
    client = client_for(request.getfixturevalue(persona))
    for url in _personal_urls(personal_world, citizen):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "marie@example.ca" not in response.content.decode()
    # The admin's set-password page is gone for everyone (allauth's is the only one).
    password = client.get(f"/admin/accounts/user/{citizen.pk}/password/")
    assert password.status_code == 404
    assert "marie@example.ca" not in password.content.decode()


@pytest.mark.parametrize("persona", ["administrator", "superuser"])
def test_a_citizen_is_not_listed_with_staff_and_their_page_is_not_found(
    persona, personal_world, citizen, agent, request
):
    client = client_for(request.getfixturevalue(persona))
    listing = client.get("/admin/accounts/user/")
    assert listing.status_code == 200
    assert agent.email in listing.text and "marie@example.ca" not in listing.text
    searched = client.get("/admin/accounts/user/?q=Tremblay")
    assert "marie@example.ca" not in searched.text
    change = client.get(f"/admin/accounts/user/{citizen.pk}/change/", follow=True)
    assert "marie@example.ca" not in change.text and "Tremblay" not in change.text
    assert not change.context or "adminform" not in change.context
    # The team form lists staff to add as members, never the town's citizens.
    team_page = client.get(f"/admin/accounts/team/{agent.teams.first().pk}/change/")
    assert f'<option value="{agent.pk}"' in team_page.text
    assert f'<option value="{citizen.pk}"' not in team_page.text
    assert "Marie" not in team_page.text


def test_a_supervisor_reads_the_configuration_but_not_the_accounts(
    tp_env_supervisor, personal_world
):
    client = client_for(tp_env_supervisor)
    assert client.get("/admin/service_requests/requesttype/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/notifications/notification/").status_code == 403
    index = client.get("/admin/")
    assert "servicerequest" not in index.text and "/admin/accounts/user/" not in index.text


def test_administrators_create_a_staff_account_with_its_roles(administrator):
    agent_group = Group.objects.get_or_create(name=roles.AGENT)[0]
    client = client_for(administrator)
    without_role = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "nouvel.agent@victoriaville.ca",
        },
    )
    assert (
        without_role.status_code == 200
        and "groups" in without_role.context["adminform"].form.errors
    )
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "nouvel.agent@victoriaville.ca",
            "first_name": "Nadia",
            "last_name": "Nouvelle",
            "groups": [agent_group.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    created = User.objects.get(email="nouvel.agent@victoriaville.ca")
    assert list(created.groups.values_list("name", flat=True)) == [roles.AGENT]
    # It is a staff account: its page opens (a citizen's would not).
    assert client.get(f"/admin/accounts/user/{created.pk}/change/").status_code == 200
    # Nobody typed a password for her: she sets hers through allauth's reset.
    assert not created.has_usable_password()


def test_no_admin_or_cms_form_sets_another_person_s_password(administrator, superuser, agent):
    """One password form, allauth's: the admin's and the CMS's user pages show none."""
    for client, url in (
        (client_for(administrator), "/admin/accounts/user/add/"),
        (client_for(administrator), f"/admin/accounts/user/{agent.pk}/change/"),
        (client_for(superuser), f"/cms/users/edit/{agent.pk}/"),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'type="password"' not in page.text, url
        assert "password/" not in page.text.replace("/compte/password/", ""), url
    assert (
        client_for(administrator).get(f"/admin/accounts/user/{agent.pk}/password/").status_code
        == 404
    )


def test_the_outbox_shows_deliveries_without_naming_anyone(administrator, personal_world):
    client = client_for(administrator)
    notification = personal_world["notification"]
    listing = client.get("/admin/notifications/notification/?status=failed")
    assert listing.status_code == 200
    assert personal_world["request"].reference in listing.text
    assert "550 &lt;[courriel]&gt; rejected" in listing.text
    page = client.get(f"/admin/notifications/notification/{notification.pk}/change/")
    assert page.status_code == 200
    for bit in SECRET_BITS:
        assert bit not in listing.text and bit not in page.text, bit
    # Searching by a citizen's address finds nothing: only the exact reference is searched.
    assert "550" not in client.get("/admin/notifications/notification/?q=marie").text


def test_the_access_log_names_the_citizen_by_number(administrator, agent, personal_world, citizen):
    access_log_record(user=agent, what=AccessWhat.REQUEST_PAGE, request=personal_world["request"])
    client = client_for(administrator)
    listing = client.get("/admin/desk/accesslog/")
    assert f"citoyen n° {citizen.pk}" in listing.text
    assert "marie@example.ca" not in listing.text and "Tremblay" not in listing.text
    found = client.get("/admin/desk/accesslog/?q=marie@example.ca")
    assert f"citoyen n° {citizen.pk}" in found.text


@pytest.mark.slow
def test_no_admin_page_shows_a_citizens_data_even_to_a_superuser(superuser, personal_world):
    """Every list, add form and change form of every registered model, as a superuser."""
    client = client_for(superuser)
    pages = 0
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls = [f"/admin/{info[0]}/{info[1]}/", f"/admin/{info[0]}/{info[1]}/add/"]
        urls += [
            f"/admin/{info[0]}/{info[1]}/{pk}/change/"
            for pk in model_admin.get_queryset(_request_of(superuser)).values_list("pk", flat=True)[
                :5
            ]
        ]
        for url in urls:
            response = client.get(url)
            if response.status_code == 403:  # e.g. adding an outbox row
                continue
            assert response.status_code == 200, url
            pages += 1
            for bit in SECRET_BITS:
                assert bit not in response.content.decode(), (url, bit)
    assert pages > 40


def _request_of(user: User) -> Any:
    from django.test import RequestFactory

    fake = RequestFactory().get("/admin/")
    fake.user = user
    return fake


# --- The CMS's user pages ------------------------------------------------------------------


def test_the_cms_lists_and_opens_staff_accounts_only(superuser, citizen, agent):
    client = client_for(superuser)
    listing = client.get("/cms/users/")
    assert listing.status_code == 200
    assert agent.email in listing.text and "marie@example.ca" not in listing.text
    assert "marie@example.ca" not in client.get("/cms/users/?q=marie").text
    assert client.get(f"/cms/users/edit/{agent.pk}/").status_code == 200
    for url in (
        f"/cms/users/edit/{citizen.pk}/",
        f"/cms/users/delete/{citizen.pk}/",
        f"/cms/users/history/{citizen.pk}/",
        f"/cms/bulk/accounts/user/delete/?id={citizen.pk}",
        f"/cms/bulk/accounts/user/set_active_state/?id={citizen.pk}",
        f"/cms/bulk/accounts/user/assign_role/?id={citizen.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
