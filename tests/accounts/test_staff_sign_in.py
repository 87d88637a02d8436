"""One sign-in for all staff, allauth's, with its failed-login limit and its two-factor step;
two-factor authentication mandatory for anyone with powers beyond their own data, enrolled
on first sign-in. Through the real pages, as a person clicks them."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.test import Client

from tests.conftest import enrol_totp, make_user, sign_in, totp_code
from victo_crm.accounts import roles

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Any:
    """allauth counts failed logins, and codes already used, in the cache."""
    cache.clear()
    yield
    cache.clear()


def verified(user: Any) -> Any:
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


@pytest.fixture
def isabelle(administrator: Any) -> Any:
    """The administrator (admin@victoriaville.ca), e-mail address verified."""
    return verified(administrator)


@pytest.fixture
def sophie(db: None) -> Any:
    """A web editor: her group opens the CMS, as the website's set-up grants it."""
    user = verified(make_user("sophie.redaction@victoriaville.ca", role=roles.WEB_EDITOR))
    Group.objects.get(name=roles.WEB_EDITOR).permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def password_step(client: Client, user: Any, next_url: str = "") -> Any:
    url = "/compte/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": user.email, "password": PASSWORD})


def location(response: Any) -> str:
    return response.headers.get("Location", "")


# --- One sign-in ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "next_url"),
    [
        ("/admin/login/?next=/admin/places/zone/", "/admin/places/zone/"),
        ("/admin/login/", "/admin/"),
        ("/cms/login/?next=/cms/pages/", "/cms/pages/"),
        ("/cms/login/", "/cms/"),
        ("/admin/places/zone/", "/admin/places/zone/"),
        ("/cms/", "/cms/"),
    ],
)
def test_the_admin_and_the_cms_send_to_the_one_sign_in_page(url: str, next_url: str) -> None:
    client = Client()
    response = client.get(url, follow=True)
    final, _status = response.redirect_chain[-1]
    assert final.startswith("/compte/login/?next="), response.redirect_chain
    assert response.context["request"].GET["next"] == next_url
    page = response.content.decode()
    assert 'action="/admin/login/' not in page and 'action="/cms/login/' not in page
    assert 'name="login"' in page and 'name="password"' in page  # allauth's form


def test_the_admin_s_and_the_cms_s_own_password_forms_are_gone(isabelle: Any, sophie: Any) -> None:
    anonymous = Client()
    # Posting a right password to the old forms signs nobody in.
    for url in ("/admin/login/", "/cms/login/"):
        anonymous.post(url, {"username": isabelle.email, "password": PASSWORD})
        assert not signed_in(anonymous), url
    assert anonymous.get("/cms/password_reset/").status_code == 404

    client = sign_in(Client(), isabelle)
    change = client.get("/admin/password_change/")
    assert change.status_code == 307 and location(change) == "/compte/password/change/"
    account = sign_in(Client(), sophie).get("/cms/account/")
    assert account.status_code == 200
    assert 'type="password"' not in account.content.decode()


def test_signing_out_of_the_admin_or_the_cms_is_allauth_s_sign_out(isabelle: Any) -> None:
    for url in ("/admin/logout/", "/cms/logout/"):
        client = sign_in(Client(), isabelle)
        response = client.post(url, follow=True)
        assert response.redirect_chain[0] == ("/compte/logout/", 307), url
        assert not signed_in(client), url


def test_a_citizen_at_the_admin_is_told_no_not_sent_round_in_circles(citizen: Any) -> None:
    client = sign_in(Client(), verified(citizen))
    assert client.get("/admin/", follow=True).status_code == 403
    assert client.get("/cms/", follow=True).status_code == 403


def test_thirty_wrong_passwords_then_the_right_one_does_not_sign_in(isabelle: Any) -> None:
    """allauth's limit (5 failures per 5 minutes for an address, 10 a minute for an IP
    address) holds the right password back too, for the rest of the window."""
    client = Client()
    for _attempt in range(30):
        client.post("/compte/login/", {"login": isabelle.email, "password": "mauvais"})
    response = client.post("/compte/login/", {"login": isabelle.email, "password": PASSWORD})
    assert not signed_in(client)
    assert response.status_code in (200, 429)
    if response.status_code == 200:
        assert "Trop de tentatives de connexion ont échoué" in response.content.decode()
    assert Client().get("/admin/").status_code == 302  # still nobody there


# --- The two-factor step -------------------------------------------------------------------


@pytest.mark.parametrize(("who", "desk"), [("isabelle", "/admin/"), ("sophie", "/cms/")])
def test_staff_with_an_authenticator_give_its_code(
    request: pytest.FixtureRequest, who: str, desk: str
) -> None:
    user = request.getfixturevalue(who)
    secret = enrol_totp(user)
    client = Client()
    response = password_step(client, user, desk)
    assert location(response).startswith("/compte/2fa/authenticate/")
    assert not signed_in(client)  # the password alone opens nothing
    assert client.get(desk).status_code == 302

    wrong = client.post("/compte/2fa/authenticate/", {"code": "000000"})
    assert "Ce code est incorrect." in wrong.content.decode()
    assert not signed_in(client)

    right = client.post("/compte/2fa/authenticate/", {"code": totp_code(secret)})
    assert location(right) == desk
    assert signed_in(client)
    assert client.get(desk).status_code == 200


def test_a_recovery_code_replaces_a_lost_phone_once(isabelle: Any) -> None:
    enrol_totp(isabelle)
    code = RecoveryCodes(
        Authenticator.objects.get(user=isabelle, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()[0]
    client = Client()
    password_step(client, isabelle, "/admin/")
    response = client.post("/compte/2fa/authenticate/", {"code": code})
    assert location(response) == "/admin/" and signed_in(client)
    assert client.get("/admin/").status_code == 200

    again = Client()
    password_step(again, isabelle, "/admin/")
    refused = again.post("/compte/2fa/authenticate/", {"code": code})
    assert "Ce code est incorrect." in refused.content.decode()
    assert not signed_in(again)


def test_an_administrator_without_an_authenticator_enrols_before_anything_else(
    isabelle: Any,
) -> None:
    client = Client()
    response = password_step(client, isabelle, "/admin/")
    assert location(response) == "/admin/"
    for url in ("/admin/", "/admin/places/zone/", "/cms/", "/bureau/", "/portail/", "/"):
        held = client.get(url)
        assert held.status_code == 302 and location(held) == "/compte/2fa/totp/activate/", url
    assert client.get("/api/v1/me/").status_code == 403

    client.get("/admin/")  # where she was going
    page = client.get("/compte/2fa/totp/activate/")
    text = page.content.decode()
    assert "la vérification en deux étapes est obligatoire" in text
    assert "Mes requêtes" not in text  # the portal's menu: nothing she may open yet
    assert client.post("/compte/2fa/totp/activate/", {"code": "000000"}).status_code == 200
    assert not Authenticator.objects.filter(user=isabelle).exists()

    secret = client.session["mfa.totp.secret"]
    enrolled = client.post("/compte/2fa/totp/activate/", {"code": totp_code(secret)})
    assert location(enrolled) == "/compte/2fa/recovery-codes/?continuer=1"
    codes_page = client.get(location(enrolled))
    codes = RecoveryCodes(
        Authenticator.objects.get(user=isabelle, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    assert len(codes) == 10 and all(code in codes_page.content.decode() for code in codes)

    onward = client.get("/compte/2fa/continuer/")
    assert location(onward) == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/cms/").status_code in (200, 302)  # no CMS right: not held, though
    assert location(client.get("/cms/")) != "/compte/2fa/totp/activate/"


def test_a_session_signed_in_before_enrolment_gives_a_code_before_the_admin(
    isabelle: Any,
) -> None:
    client = Client()
    client.force_login(isabelle)  # a password-only session, from before the rule
    secret = enrol_totp(isabelle)  # enrolled since, elsewhere
    held = client.get("/admin/")
    assert location(held) == "/compte/2fa/reauthenticate/?next=%2Fadmin%2F"
    assert client.get("/cms/").status_code == 302
    response = client.post(location(held), {"code": totp_code(secret)})
    assert location(response) == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_cannot_turn_their_second_factor_off(isabelle: Any) -> None:
    client = sign_in(Client(), isabelle)
    assert "Désactiver" not in client.get("/compte/2fa/").content.decode()
    client.post("/compte/reauthenticate/", {"password": PASSWORD})  # allauth asks first
    response = client.post("/compte/2fa/totp/deactivate/", {})
    assert "Vous ne pouvez pas désactiver la vérification en deux étapes." in (
        response.content.decode()
    )
    assert Authenticator.objects.filter(user=isabelle, type=Authenticator.Type.TOTP).exists()


# --- Who must, who need not ----------------------------------------------------------------


def test_agents_enrol_too_since_they_publish_notices_to_the_whole_town(agent: Any) -> None:
    assert roles.may_publish_notices(agent) and roles.requires_two_factor(agent)
    client = Client()
    password_step(client, verified(agent))
    assert location(client.get("/bureau/")) == "/compte/2fa/totp/activate/"
    assert location(client.get("/alertes/avis/")) == "/compte/2fa/totp/activate/"


def test_a_citizen_signs_in_with_a_password_as_before(citizen: Any) -> None:
    marie = verified(citizen)
    assert not roles.requires_two_factor(marie)
    client = Client()
    response = password_step(client, marie)
    assert signed_in(client) and location(response) == "/portail/"
    assert client.get("/portail/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    # A citizen may still turn two-factor authentication off (it is hers to choose).
    enrol_totp(marie)
    with_code = sign_in(Client(), marie)
    assert "Désactiver" in with_code.get("/compte/2fa/").content.decode()
    with_code.post("/compte/reauthenticate/", {"password": PASSWORD})
    assert with_code.post("/compte/2fa/totp/deactivate/", {}).status_code == 302
    assert not Authenticator.objects.filter(user=marie).exists()


def test_a_staff_member_signed_in_through_the_app_api_is_held_on_the_site(
    isabelle: Any,
) -> None:
    """allauth's headless API for browsers signs in with a session cookie: the admin still
    waits for the second factor."""
    client = Client()
    login = client.post(
        "/_allauth/browser/v1/auth/login",
        {"email": isabelle.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert login.status_code == 200, login.content
    assert location(client.get("/admin/")) == "/compte/2fa/totp/activate/"
    assert client.get("/api/v1/me/").status_code == 403


def test_grants_are_read_with_the_user_at_no_extra_query(
    citizen: Any, isabelle: Any, django_assert_num_queries: Any
) -> None:
    from victo_crm.accounts.backends import ModelBackend

    for user, expected in ((citizen, False), (isabelle, True)):
        with django_assert_num_queries(1):
            loaded = ModelBackend().get_user(user.pk)
            assert roles.requires_two_factor(loaded) is expected
    Group.objects.create(name="Éditeurs invités").user_set.add(citizen)
    assert roles.requires_two_factor(ModelBackend().get_user(citizen.pk))


def test_an_administrator_resets_a_lost_phone_and_the_next_sign_in_enrols_anew(
    isabelle: Any, agent: Any
) -> None:
    """Staff cannot remove their own second factor; after a lost phone an administrator
    resets it from the staff list, and the agent's next sign-in starts the enrolment."""
    verified(agent)
    enrol_totp(agent)
    admin = sign_in(Client(), isabelle)
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [agent.pk]},
        follow=True,
    )
    assert "1 personne devra configurer une nouvelle application" in response.content.decode()
    assert not Authenticator.objects.filter(user=agent).exists()

    client = Client()
    held = password_step(client, agent, "/bureau/")
    assert location(client.get(location(held) or "/bureau/")) == "/compte/2fa/totp/activate/"


def test_an_agent_cannot_reset_anyone_s_second_factor(isabelle: Any, agent: Any) -> None:
    enrol_totp(isabelle)
    desk = sign_in(Client(), agent)
    response = desk.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [isabelle.pk]},
    )
    assert response.status_code in (302, 403)
    assert Authenticator.objects.filter(user=isabelle, type=Authenticator.Type.TOTP).exists()
