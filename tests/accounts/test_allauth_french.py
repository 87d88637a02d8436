"""The account pages (django-allauth) read as the portal's Québec French: « courriel », never
« e-mail »; typographic apostrophes; a non-breaking space before « : ; ? ! »; and the portal's
own wording, in the pages, their messages and the e-mails they send."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def visible_text(page: str) -> str:
    """The words of <main> as a reader sees them (tags and scripts removed; spaces kept as
    they are, non-breaking ones included)."""
    main = re.search(r"(?s)<main[^>]*>(.*)</main>", page)
    body = main.group(1) if main else page
    body = re.sub(r"(?s)<script.*?</script>|<style.*?</style>|<template.*?</template>", " ", body)
    body = re.sub(r"<[^>]+>", " ", body)
    return html.unescape(body)


def typography_faults(text: str) -> list[str]:
    text = re.sub(r"https?://\S+", " ", text)  # links are not prose
    faults = [f"straight apostrophe: …{m.group(0)}…" for m in re.finditer(r"\w'\w", text)]
    faults += [
        f"e-mail: …{m.group(0)}…" for m in re.finditer(r".{0,20}\be-?mail\b.{0,20}", text, re.I)
    ]
    # « : ; ? ! » after a word take a non-breaking space (a URL's colon is not after a space).
    faults += [
        f"breaking space before punctuation: …{m.group(0)}…"
        for m in re.finditer(r".{0,20}\w[ \t\n]+[:;?!](?!/).{0,10}", text)
    ]
    faults += [
        f"no space before punctuation: …{m.group(0)}…"
        for m in re.finditer(r".{0,20}[^\s\u00a0\u202f:/]([;?!])(?=\s|$).{0,10}", text)
        if not m.group(0).rstrip().endswith(("http:", "https:"))
    ]
    return faults


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    """allauth counts sign-ups and confirmation e-mails per address in the cache: start
    clean, and leave nothing for the next test of this process."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def marie_verified(citizen: Any) -> Any:
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    return citizen


ANONYMOUS_PAGES = {
    "/compte/login/": [
        "Se connecter",
        f"Pas encore de compte{NBSP}?",
        "Courriel",
        "Rester connecté",
    ],
    "/compte/signup/": ["Créer un compte", "Confirmez le mot de passe", "Créer mon compte"],
    "/compte/password/reset/": ["Mot de passe oublié", "l’adresse courriel de votre compte"],
    "/compte/password/reset/done/": ["Vérifiez vos courriels", "courriels indésirables"],
    "/compte/password/reset/key/1-cle/": ["Lien expiré", "Demandez un nouveau lien"],
}
SIGNED_IN_PAGES = {
    "/compte/email/": ["Mon adresse courriel", "Adresse actuelle", "Nouvelle adresse courriel"],
    "/compte/password/change/": ["Changer mon mot de passe", "Mot de passe actuel"],
    "/compte/2fa/": ["Vérification en deux étapes", "Application d’authentification"],
    "/compte/logout/": [f"Voulez-vous vraiment vous déconnecter{NBSP}?"],
    "/compte/reauthenticate/": ["Confirmez que c’est vous"],
}


@pytest.mark.parametrize("url", sorted(ANONYMOUS_PAGES))
def test_anonymous_account_pages_read_as_the_portal_s_french(client: Client, url: str) -> None:
    response = client.get(url, follow=True)
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    for words in ANONYMOUS_PAGES[url]:
        assert words in text, (url, words)
    assert typography_faults(text) == [], url


@pytest.mark.parametrize("url", sorted(SIGNED_IN_PAGES))
def test_signed_in_account_pages_read_as_the_portal_s_french(
    client: Client, marie_verified: Any, url: str
) -> None:
    client.force_login(marie_verified)
    response = client.get(url)
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    for words in SIGNED_IN_PAGES[url]:
        assert words in text, (url, words)
    assert typography_faults(text) == [], url


def test_the_totp_activation_page_says_what_to_do(client: Client, marie_verified: Any) -> None:
    client.force_login(marie_verified)
    response = client.get("/compte/2fa/totp/activate/", follow=True)
    if response.redirect_chain:  # allauth asks for the password first
        assert "Confirmez que c’est vous" in visible_text(response.content.decode())
        client.post(response.redirect_chain[-1][0], {"password": "correct horse battery"})
        response = client.get("/compte/2fa/totp/activate/")
    text = visible_text(response.content.decode())
    assert "Activer la vérification en deux étapes" in text and "Clé secrète" in text
    assert "Code affiché par l’application" in text
    assert typography_faults(text) == []
    refused = client.post("/compte/2fa/totp/activate/", {"code": "000000"})
    assert "Ce code est incorrect." in visible_text(refused.content.decode())


def test_refusals_are_in_our_words(client: Client, marie_verified: Any) -> None:
    login = client.post("/compte/login/", {"login": "marie@example.ca", "password": "mauvais"})
    text = visible_text(login.content.decode())
    assert "Le courriel ou le mot de passe est incorrect." in text
    signup = client.post(
        "/compte/signup/",
        {"email": "pas-une-adresse", "password1": "une longue phrase", "password2": "autre chose"},
    )
    text = visible_text(signup.content.decode())
    assert "Entrez une adresse courriel valide." in text
    assert "Les deux mots de passe ne sont pas identiques." in text
    assert typography_faults(text) == []
    client.force_login(marie_verified)
    same = client.post("/compte/email/", {"action_add": "", "email": "marie@example.ca"})
    assert "Cette adresse courriel est déjà celle de votre compte." in visible_text(
        same.content.decode()
    )


def test_the_confirmation_and_reset_e_mails_are_in_our_words(
    client: Client, marie_verified: Any
) -> None:
    mail.outbox.clear()
    client.post(
        "/compte/signup/",
        {
            "email": "sophie@example.ca",
            "password1": "une longue phrase de passe",
            "password2": "une longue phrase de passe",
        },
    )
    confirmation = mail.outbox[-1]
    assert confirmation.subject == "Confirmez votre adresse courriel"
    code = f"Votre code de confirmation{NBSP}: [A-Z0-9]{{4}}-[A-Z0-9]{{4}}\n"
    assert re.search(code, confirmation.body), confirmation.body
    assert "dans l’application mobile où vous l’avez demandé" in confirmation.body
    assert "http" not in confirmation.body  # a code to type, no link to follow
    assert typography_faults(confirmation.body) == []

    client.post("/compte/password/reset/", {"email": "marie@example.ca"})
    reset = mail.outbox[-1]
    assert reset.subject == "Choisissez un nouveau mot de passe"
    assert "/compte/password/reset/key/" in reset.body
    assert typography_faults(reset.body) == []


def test_flash_messages_are_in_our_words(client: Client, marie_verified: Any) -> None:
    response = client.post(
        "/compte/login/",
        {"login": "marie@example.ca", "password": "correct horse battery"},
        follow=True,
    )
    assert f"Connexion réussie. Bienvenue{NBSP}!" in response.content.decode()
    response = client.post("/compte/logout/", follow=True)
    assert f"Déconnexion réussie. À bientôt{NBSP}!" in response.content.decode()


def test_changing_the_e_mail_address_reads_as_our_french(
    client: Client, marie_verified: Any
) -> None:
    client.force_login(marie_verified)
    mail.outbox.clear()
    response = client.post(
        "/compte/email/", {"action_add": "", "email": "marie.t@example.ca"}, follow=True
    )
    # allauth asks for the code sent to the new address on its page, then the address changes.
    assert response.redirect_chain[-1][0] == "/compte/confirm-email/"
    text = re.sub(r"[ \t\n]+", " ", visible_text(response.content.decode()))
    assert "Nous venons d’envoyer un code de confirmation à marie.t@example.ca." in text, text
    assert "Code de confirmation" in text and "Envoyer un nouveau code" in text
    assert "Nous avons envoyé un code de confirmation à marie.t@example.ca." in html.unescape(
        response.content.decode()
    )  # the flash message, above <main>
    assert typography_faults(text) == []
    assert mail.outbox[-1].subject == "Confirmez votre adresse courriel"

    wrong = client.post("/compte/confirm-email/", {"code": "AAAA-AAAA"})
    assert "Ce code est incorrect." in visible_text(wrong.content.decode())
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", mail.outbox[-1].body)
    assert code, mail.outbox[-1].body
    done = client.post("/compte/confirm-email/", {"code": code.group(0)}, follow=True)
    assert done.status_code == 200
    assert EmailAddress.objects.get(email="marie.t@example.ca").verified


def test_sign_up_asks_for_the_code_of_the_e_mail(client: Client) -> None:
    """The portal's sign-up: the code page (labelled field, resend, cancel), a wrong code
    refused in our words, the right one signs the new citizen in."""
    mail.outbox.clear()
    signup = client.post(
        "/compte/signup/",
        {
            "email": "sophie@example.ca",
            "password1": "une longue phrase de passe",
            "password2": "une longue phrase de passe",
        },
        follow=True,
    )
    assert signup.redirect_chain[-1][0] == "/compte/confirm-email/"
    page = signup.content.decode()
    text = visible_text(page)
    assert "Confirmez votre adresse courriel" in text
    assert "Nous venons d’envoyer un code de confirmation à sophie@example.ca." in text
    assert f"indésirables{NBSP};" in text and "Envoyer un nouveau code" in text
    assert re.search(r'<label for="id_code">Code de confirmation', page)
    assert 'autocomplete="one-time-code"' in page
    assert typography_faults(text) == []
    refused = client.post("/compte/confirm-email/", {"code": "AAAA-AAAA"})
    assert "Ce code est incorrect." in visible_text(refused.content.decode())
    assert 'aria-describedby="id_code-error' in refused.content.decode() or (
        'id="id_code-error"' in refused.content.decode()
    )
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", mail.outbox[-1].body)
    assert code, mail.outbox[-1].body
    home = client.post("/compte/confirm-email/", {"code": code.group(0)}, follow=True)
    assert home.redirect_chain[-1][0] == "/portail/"
    assert EmailAddress.objects.get(email="sophie@example.ca").verified
