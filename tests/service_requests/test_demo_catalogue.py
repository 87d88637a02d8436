"""The demo catalogue and accounts: realistic, valid, bilingual and safe to load twice."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from victo_crm.accounts import roles
from victo_crm.accounts.demo import load_demo_accounts, load_demo_teams
from victo_crm.accounts.models import Team, User
from victo_crm.places.models import Address
from victo_crm.service_requests.demo import load_demo_catalogue
from victo_crm.service_requests.models import (
    FieldDatatype,
    Priority,
    RequestGroup,
    RequestType,
    RequestTypeField,
)

pytestmark = pytest.mark.django_db

REQUIRED_TYPES = {
    "nid-de-poule",
    "lampadaire-defectueux",
    "bac-brise",
    "collecte-manquee",
    "nuisance-sonore",
    "arbre-dangereux",
    "deneigement",
    "graffiti",
    "animal-mort",
    "fuite-eau",
    "signalisation",
    "parc-equipement-brise",
    "permis-question",
    "plainte-generale",
}


@pytest.fixture
def catalogue() -> dict[str, RequestType]:
    load_demo_teams()
    return load_demo_catalogue()


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every row the demo loaders write, in a stable order, to compare two runs."""
    return {
        "teams": list(Team.objects.order_by("code").values_list("code", "name_fr", "email")),
        "groups": list(RequestGroup.objects.order_by("code").values_list()),
        "types": list(
            RequestType.objects.order_by("code").values_list(
                "code", "name_fr", "name_en", "group__code", "team__code", "sla_hours", "order"
            )
        ),
        "fields": list(RequestTypeField.objects.order_by("pk").values_list()),
    }


def test_the_catalogue_offers_at_least_fifteen_active_types(catalogue: dict[str, RequestType]):
    assert RequestType.objects.filter(is_active=True).count() >= 15
    assert RequestGroup.objects.count() >= 6
    assert not REQUIRED_TYPES - set(catalogue)


def test_every_type_and_field_passes_validation(catalogue: dict[str, RequestType]):
    for request_type in RequestType.objects.all():
        request_type.full_clean()
        orders = list(request_type.fields.values_list("order", flat=True))
        assert sorted(orders) == list(range(1, len(orders) + 1)), request_type.code
        for field in request_type.fields.all():
            field.full_clean()
            if field.is_list:
                assert field.parsed_choices(), field.code


def test_every_type_is_named_and_described_in_french_and_english(
    catalogue: dict[str, RequestType],
):
    for request_type in RequestType.objects.all():
        assert request_type.name_fr and request_type.name_en, request_type.code
        assert request_type.description_fr and request_type.description_en, request_type.code
        assert "," in request_type.keywords, request_type.code
        assert request_type.workflow.code == "default"
    for field in RequestTypeField.objects.all():
        assert field.label_fr and field.label_en, field.code


def test_every_datatype_is_used_and_most_types_have_fields(catalogue: dict[str, RequestType]):
    used = set(RequestTypeField.objects.values_list("datatype", flat=True))
    assert used == set(FieldDatatype.values)
    with_fields = RequestType.objects.filter(fields__isnull=False).distinct().count()
    assert with_fields >= 8


def test_types_carry_realistic_settings(catalogue: dict[str, RequestType]):
    assert catalogue["fuite-eau"].default_priority == Priority.HIGH
    assert catalogue["fuite-eau"].sla_hours == 4
    assert catalogue["nid-de-poule"].sla_hours == 72
    assert catalogue["nid-de-poule"].team.code == "travaux-publics"
    assert catalogue["bac-brise"].team.code == "environnement"
    for code in ("permis-question", "plainte-generale"):
        assert catalogue[code].location_required is False
        assert catalogue[code].location_allowed is True


def test_loading_twice_changes_nothing(catalogue: dict[str, RequestType]):
    before = snapshot()

    load_demo_teams()
    again = load_demo_catalogue()

    assert snapshot() == before
    assert {code: rtype.pk for code, rtype in again.items()} == {
        code: rtype.pk for code, rtype in catalogue.items()
    }


def test_reloading_removes_a_field_no_longer_in_the_definition(
    catalogue: dict[str, RequestType],
):
    pothole = catalogue["nid-de-poule"]
    RequestTypeField.objects.create(
        request_type=pothole, code="ancien", label_fr="Ancien champ", datatype="string", order=9
    )
    pothole.name_fr = "Renommé dans l’administration"
    pothole.save()

    load_demo_catalogue()

    pothole.refresh_from_db()
    assert not pothole.fields.filter(code="ancien").exists()
    assert pothole.name_fr == "Nid-de-poule"


def test_demo_accounts_sign_in_with_their_printed_passwords():
    rows = load_demo_accounts()

    assert len(rows) == 6
    assert len({email for _role, email, _password in rows}) == 6
    for role, email, password in rows:
        assert role
        user = authenticate(username=email, password=password)
        assert user is not None, email
        assert user.email == email


def test_demo_accounts_have_their_roles_and_teams():
    load_demo_accounts()

    admin = User.objects.get(email="admin@victoriaville.ca")
    assert admin.is_staff and not admin.is_superuser
    assert admin.groups.filter(name=roles.ADMINISTRATOR).exists()

    agent = User.objects.get(email="agent.tp@victoriaville.ca")
    assert agent.is_staff
    assert set(agent.groups.values_list("name", flat=True)) == {roles.AGENT}
    assert set(agent.teams.values_list("code", flat=True)) == {"travaux-publics"}
    other_agent = User.objects.get(email="agent.env@victoriaville.ca")
    assert set(other_agent.teams.values_list("code", flat=True)) == {"environnement"}

    supervisor = User.objects.get(email="superviseur@victoriaville.ca")
    assert supervisor.groups.filter(name=roles.SUPERVISOR).exists()
    assert set(supervisor.teams.values_list("code", flat=True)) == {
        "travaux-publics",
        "environnement",
    }

    marie = User.objects.get(email="marie.tremblay@example.ca")
    jean = User.objects.get(email="jean.gagnon@example.ca")
    assert (marie.get_full_name(), marie.preferred_language, marie.is_staff) == (
        "Marie Tremblay",
        "fr",
        False,
    )
    assert (jean.get_full_name(), jean.preferred_language, jean.is_staff) == (
        "Jean Gagnon",
        "en",
        False,
    )
    assert marie.address is None  # no address registry loaded: tolerated


def test_loading_accounts_twice_resets_passwords_without_duplicates():
    rows = load_demo_accounts()
    marie = User.objects.get(email="marie.tremblay@example.ca")
    marie.set_password("changed while exploring")
    marie.save()

    assert load_demo_accounts() == rows

    assert User.objects.count() == 6
    # The demo's six teams, and the intake team the inbound migration seeds.
    assert Team.objects.exclude(code="accueil").count() == 6
    for _role, email, password in rows:
        assert authenticate(username=email, password=password) is not None, email


def test_citizens_get_an_address_on_rue_notre_dame_est_when_the_registry_has_one():
    for number in (250, 12, 40):
        Address.objects.create(
            civic_number=number, street="rue Notre-Dame Est", latitude=46.05, longitude=-71.96
        )
    Address.objects.create(
        civic_number=1, street="boulevard Bois-Francs Sud", latitude=46.06, longitude=-71.97
    )

    load_demo_accounts()

    marie = User.objects.get(email="marie.tremblay@example.ca")
    jean = User.objects.get(email="jean.gagnon@example.ca")
    assert marie.address is not None and jean.address is not None
    assert (marie.address.street, marie.address.civic_number) == ("rue Notre-Dame Est", 12)
    assert (jean.address.street, jean.address.civic_number) == ("rue Notre-Dame Est", 40)
    assert User.objects.get(email="agent.tp@victoriaville.ca").address is None
