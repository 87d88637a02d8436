"""Invariant 2 on every portal URL: Jean (another citizen), an agent and an anonymous
visitor get 404 on anything that names Marie's request or gives personal data.

The sweep reads the URL list itself: a new portal URL fails here until it is classified."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from tests.conftest import sign_in
from victo_crm.notifications.models import Notification, PushDevice
from victo_crm.service_requests.models import Attachment, Upload
from victo_crm.service_requests.uploads import upload_create

pytestmark = pytest.mark.django_db

# Open to everyone: no personal data, no object of someone else.
PUBLIC = {
    "home",
    "offline",
    "manifest",
    "service_worker",
    "submit_type",
    "submit_location",
    "submit_details",
    "submit_done",
    "address_lookup",
}
# One's own account: anonymous visitors are sent to the login page; a citizen sees only theirs.
OWN_ACCOUNT = {
    "my_requests",
    "inbox",
    "inbox_mark_all_read",
    "profile",
    "preferences",
    "email_resume",
    "consent",
    "push_subscribe",
    "my_data",
    "delete_account",
}
# Reached by POST only (the others by GET).
POST_ONLY = {"consent", "push_subscribe", "inbox_mark_all_read", "email_resume"}
# Name a request, a photo, a token, or give personal data: 404 for anyone else.
PRIVATE = {
    "request_detail",
    "request_comment",
    "request_add_photos",
    "request_photo",
    "request_reopen",
    "request_rate",
    "request_unfollow",
    "tracking",
    "tracking_photo",
    "follow",
    "export",
    "push_unsubscribe",
    "inbox_mark_read",
    "kept_photo",
    "kept_photo_remove",
}


def portal_patterns() -> list[URLPattern]:
    resolver = get_resolver()
    portal = next(p for p in resolver.url_patterns if getattr(p, "namespace", None) == "portal")
    return [p for p in portal.url_patterns if isinstance(p, URLPattern)]


def test_every_portal_url_is_classified() -> None:
    names = {p.name for p in portal_patterns()}
    assert names == PUBLIC | OWN_ACCOUNT | PRIVATE


def _kwargs(name: str, sr: Any, guest: Any, *, wrong_token: bool = False) -> dict[str, Any]:
    photo = Attachment.objects.filter(request=sr).first()
    device = PushDevice.objects.filter(user=sr.citizen).first()
    guest_photo = Attachment.objects.filter(request=guest).first()
    notice = Notification.objects.filter(recipient=sr.citizen, channel="in_app").first()
    token = "mauvais-jeton-" + "x" * 20 if wrong_token else guest.tracking_token
    upload = Upload.objects.filter(owner=sr.citizen).first()
    if upload is None and name.startswith("kept_photo"):
        upload = upload_create(owner=sr.citizen, file=Attachment.objects.first().file)
    return {
        "request_detail": {"reference": sr.reference},
        "request_comment": {"reference": sr.reference},
        "request_add_photos": {"reference": sr.reference},
        "request_photo": {"reference": sr.reference, "attachment_id": photo.pk},
        "request_reopen": {"reference": sr.reference},
        "request_rate": {"reference": sr.reference},
        "request_unfollow": {"reference": sr.reference},
        "tracking": {"token": token},
        "tracking_photo": {"token": token, "attachment_id": guest_photo.pk},
        "follow": {"public_id": sr.public_id},
        "export": {},
        "push_unsubscribe": {"device_id": device.pk if device else 0},
        "inbox_mark_read": {"pk": notice.pk if notice else 0},
        "kept_photo": {"upload_id": upload.public_id if upload else ""},
        "kept_photo_remove": {"upload_id": upload.public_id if upload else ""},
    }[name]


def _visitors(jean: Client, agent: Any) -> dict[str, Client]:
    staff = Client()
    sign_in(staff, agent)
    return {"Jean": jean, "un agent": staff, "un anonyme": Client()}


@pytest.mark.parametrize("name", sorted(PRIVATE))
def test_nobody_else_reaches_marie_s_private_urls(
    name: str, marie: Client, jean: Client, agent: Any, marie_request: Any, guest_request: Any
) -> None:
    PushDevice.objects.create(
        user=marie_request.citizen,
        kind=PushDevice.Kind.WEB_PUSH,
        endpoint="https://web.push.apple.com/send/marie",
        keys={"p256dh": "x", "auth": "y"},
    )
    Notification.objects.create(
        recipient=marie_request.citizen,
        channel="in_app",
        status="sent",
        kind="request_update",
        dedup_key="sweep:marie:in_app",
        subject="Votre requête avance",
    )
    url_for_others = reverse(
        f"portal:{name}", kwargs=_kwargs(name, marie_request, guest_request, wrong_token=True)
    )
    for who, visitor in _visitors(jean, agent).items():
        if name == "follow" and who != "un anonyme":
            continue  # following an open request by its public id is allowed: see the next test
        if name == "export" and who != "un anonyme":
            # Their own archive (the URL names no one): read inside it, not its deflated bytes.
            with zipfile.ZipFile(io.BytesIO(visitor.get(url_for_others).content)) as archive:
                body = b"".join(archive.read(member) for member in archive.namelist())
            assert marie_request.reference.encode() not in body and b"marie@example.ca" not in body
            continue
        for method in ("get", "post"):
            response = getattr(visitor, method)(url_for_others)
            assert response.status_code == 404, (
                f"{who} {method.upper()} {url_for_others}: {response.status_code}"
            )
            # The page echoes the address typed (language switch, login link): not a leak.
            body = response.content.decode().replace(url_for_others, "")
            body = body.replace(quote(url_for_others, safe=""), "")
            assert marie_request.reference not in body and "Un gros trou" not in body
    # Marie herself reaches the same URL (so the sweep tests real addresses).
    if name not in ("follow", "tracking", "tracking_photo") and name in PRIVATE:
        mine = reverse(f"portal:{name}", kwargs=_kwargs(name, marie_request, guest_request))
        if name in ("request_detail", "request_photo", "export", "kept_photo"):
            assert marie.get(mine).status_code == 200
        if name == "push_unsubscribe":
            assert PushDevice.objects.filter(user=marie_request.citizen).exists()  # still there
            assert marie.post(mine).status_code == 302
            assert not PushDevice.objects.filter(user=marie_request.citizen).exists()
        if name == "inbox_mark_read":
            notice = Notification.objects.get(dedup_key="sweep:marie:in_app")
            assert notice.read_at is None  # nobody else marked it
            assert marie.post(mine).status_code == 303
            notice.refresh_from_db()
            assert notice.read_at is not None
        if name == "kept_photo_remove":
            assert marie.post(mine).status_code == 204


def test_the_tracking_link_with_the_right_token_works_for_anyone(
    client: Client, guest_request: Any
) -> None:
    kwargs = _kwargs("tracking", guest_request, guest_request)
    assert client.get(reverse("portal:tracking", kwargs=kwargs)).status_code == 200
    photo_kwargs = _kwargs("tracking_photo", guest_request, guest_request)
    photo = client.get(reverse("portal:tracking_photo", kwargs=photo_kwargs))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_a_follower_of_marie_s_request_sees_its_progress_but_nothing_personal(
    jean: Client, marie_request: Any, guest_request: Any
) -> None:
    assert jean.post(reverse("portal:follow", args=[marie_request.public_id])).status_code == 302
    page = jean.get(reverse("portal:request_detail", args=[marie_request.reference]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Un gros trou" not in body and "Marie" not in body and "/photos/" not in body
    photo_kwargs = _kwargs("request_photo", marie_request, guest_request)
    assert jean.get(reverse("portal:request_photo", kwargs=photo_kwargs)).status_code == 404
    for action in ("request_comment", "request_add_photos", "request_reopen", "request_rate"):
        assert (
            jean.post(reverse(f"portal:{action}", args=[marie_request.reference])).status_code
            == 404
        )


@pytest.mark.parametrize("name", sorted(OWN_ACCOUNT))
def test_own_account_pages_ask_an_anonymous_visitor_to_sign_in(name: str, client: Client) -> None:
    send = client.post if name in POST_ONLY else client.get
    response = send(reverse(f"portal:{name}"))
    assert response.status_code == 302 and "/compte/login/" in response["Location"]


@pytest.mark.parametrize("name", sorted(OWN_ACCOUNT - POST_ONLY))
def test_own_account_pages_show_jean_nothing_of_marie(
    name: str, jean: Client, marie_request: Any
) -> None:
    body = jean.get(reverse(f"portal:{name}")).content.decode()
    assert marie_request.reference not in body and "marie@example.ca" not in body


def test_photos_are_never_served_from_public_media_urls(marie: Client, marie_request: Any) -> None:
    body = marie.get(
        reverse("portal:request_detail", args=[marie_request.reference])
    ).content.decode()
    assert "/media/" not in body and "/portail/mes-requetes/" in body
    photo = Attachment.objects.get(request=marie_request)
    served = marie.get(reverse("portal:request_photo", args=[marie_request.reference, photo.pk]))
    assert b"".join(served.streaming_content) == photo.public_file.open("rb").read()
    assert served["Cache-Control"].startswith("private")
