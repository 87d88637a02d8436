"""A staff member's first sign-in on a phone, in a real Chromium, in French and in English:
the password, the activation of two-factor authentication (the key read off the page, as an
authenticator app reads the QR code), the recovery codes, on to the page they wanted; then a
later sign-in with the code. Screenshots land in test-artifacts/screenshots/ to be looked
at; axe-core checks each page."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission

from tests.conftest import PHONE, axe_violations, make_user, screenshot, totp_code
from victo_crm.accounts import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(viewport=PHONE, locale="fr-CA", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize(
    ("language", "role", "wanted"),
    [("fr", roles.ADMINISTRATOR, "/admin/"), ("en", roles.WEB_EDITOR, "/cms/")],
)
def test_first_sign_in_enrols_then_the_code_is_asked(
    seeded: Any, phone: Any, live_server: Any, language: str, role: str, wanted: str
) -> None:
    user = make_user(f"{role}@victoriaville.ca", role=role)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if role == roles.WEB_EDITOR:  # the CMS's access, as the website's set-up grants it
        Group.objects.get(name=role).permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
    english = language == "en"
    words = {
        "enrol": "two-step verification is mandatory" if english else "est obligatoire",
        "codes": "Recovery codes" if english else "Codes de récupération",
    }

    phone.goto(wanted)  # the admin or the CMS send to the one sign-in page
    assert "/compte/login/" in phone.url
    if english:
        phone.get_by_role("button", name="English").click()
    phone.fill("input[name=login]", user.email)
    phone.fill("input[name=password]", PASSWORD)
    phone.locator("main button[type=submit]").first.click()

    phone.wait_for_url("**/compte/2fa/totp/activate/")
    assert words["enrol"] in phone.inner_text("main")
    assert axe_violations(phone) == []
    screenshot(phone, f"two-factor-1-activate-{language}")
    secret = phone.input_value("#authenticator_secret")
    phone.fill("input[name=code]", totp_code(secret))
    phone.locator("main button[type=submit]").click()

    phone.wait_for_url("**/compte/2fa/recovery-codes/?continuer=1")
    assert words["codes"] in phone.inner_text("main")
    assert axe_violations(phone) == []
    screenshot(phone, f"two-factor-2-recovery-codes-{language}")
    assert "Mes requêtes" not in phone.inner_text("header")  # the citizen's menu: not theirs
    phone.get_by_role("link", name="Continue" if english else "Continuer").click()
    phone.wait_for_url(f"**{wanted}")

    # Later: sign out, sign in again; the code is asked.
    phone.context.clear_cookies()
    if english:
        phone.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        )
    phone.goto("/compte/login/")
    phone.fill("input[name=login]", user.email)
    phone.fill("input[name=password]", PASSWORD)
    phone.locator("main button[type=submit]").first.click()
    phone.wait_for_url("**/compte/2fa/authenticate/")
    assert ("six-digit code" if english else "code à six chiffres") in phone.inner_text("main")
    assert axe_violations(phone) == []
    screenshot(phone, f"two-factor-3-code-at-sign-in-{language}")
    phone.fill("input[name=code]", totp_code(secret))
    phone.locator("main button[type=submit]").first.click()
    phone.wait_for_load_state()
    assert "/compte/" not in phone.url
