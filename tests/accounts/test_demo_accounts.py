"""The demo accounts that ``scripts/run.sh`` prints sign in with what it prints."""

from __future__ import annotations

import json
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from victo_crm.accounts.demo import load_demo_accounts
from victo_crm.accounts.models import User

pytestmark = pytest.mark.django_db


def test_every_printed_account_signs_in_on_the_portal_and_in_the_app() -> None:
    load_demo_accounts()
    rows = load_demo_accounts()  # run.sh loads the demo at every start
    assert len(rows) >= 6
    for _role, email, password in rows:
        assert EmailAddress.objects.filter(email=email, verified=True, primary=True).count() == 1

        portal = Client()
        response = portal.post(reverse("account_login"), {"login": email, "password": password})
        assert response.status_code == 302, email
        assert portal.session.get("_auth_user_id"), email
        # Staff land on their desk queue, citizens on their portal.
        staff = User.objects.get(email=email).is_staff
        assert response["Location"] == reverse("desk:queue" if staff else "portal:home"), email
        # Staff turn two-factor authentication on before anything else (first sign-in).
        landed = portal.get(response["Location"])
        if staff:
            assert landed["Location"] == reverse("mfa_activate_totp"), email
        else:
            assert landed.status_code == 200, email

        app: Any = Client().post(
            "/_allauth/app/v1/auth/login",
            json.dumps({"email": email, "password": password}),
            content_type="application/json",
        )
        assert app.status_code == 200, (email, app.content[:300])
        assert app.json()["meta"]["session_token"]
