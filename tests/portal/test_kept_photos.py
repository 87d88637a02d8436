"""A refused request form keeps the photos: the citizen never chooses them again.

A guest sends "Nid-de-poule" without her e-mail and without the required size, with a photo:
every error shows, and the photo is kept (checked by its content, owned by her session),
shown as a thumbnail with "Retirer", and attached when she corrects the form. Nobody else
can see it or attach it, and forged or foreign ids are refused with a clear message."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from victo_crm.service_requests.models import Attachment, ServiceRequest, Upload

pytestmark = pytest.mark.django_db


def _at_details(visitor: Client, request_type: Any, address: Any) -> str:
    visitor.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    return reverse("portal:submit_details", args=[request_type.code])


def _kept_ids(body: str) -> list[str]:
    return re.findall(r'name="upload_ids" value="([0-9a-f-]{36})"', body)


def _guest_refused_once(client: Client, url: str, make_image: Any) -> tuple[str, str]:
    page = client.post(
        url,
        {
            "draft_id": "guest-1",
            "description": "Un trou devant chez moi",
            "contact_name": "Invitée Roy",
            "photos": [make_image("trou.jpg")],
        },
    )
    assert page.status_code == 400
    body = page.content.decode()
    return body, _kept_ids(body)[0]


def test_a_guest_s_refused_form_keeps_her_photo_and_files_it_when_corrected(
    client: Client, request_type: Any, address: Any, make_image: Any
) -> None:
    url = _at_details(client, request_type, address)
    body, upload_id = _guest_refused_once(client, url, make_image)
    # Every error at once, what she typed, and her photo as a thumbnail with "Retirer".
    summary = body.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "Votre courriel" in summary and "Taille" in summary
    assert "Un trou devant chez moi" in body
    assert "Votre photo est gardée\u00a0: inutile de la choisir de nouveau." in body
    thumbnail = reverse("portal:kept_photo", args=[upload_id])
    assert f'src="{thumbnail}"' in body and 'name="remove_upload"' in body
    shown = client.get(thumbnail)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert "no-store" in shown["Cache-Control"]
    upload = Upload.objects.get()
    assert upload.owner is None and upload.owner_key and upload.expires_at > timezone.now()
    # Corrected, without choosing the photo again: it is attached, and the upload is gone.
    done = client.post(
        url,
        {
            "draft_id": "guest-1",
            "description": "Un trou devant chez moi",
            "field_taille": "grand",
            "contact_name": "Invitée Roy",
            "contact_email": "invitee@example.ca",
            "upload_ids": [upload_id],
        },
    )
    assert done.status_code == 302, done.content.decode()
    sr = ServiceRequest.objects.get()
    assert [a.original_name for a in Attachment.objects.filter(request=sr)] == ["trou.jpg"]
    assert not Upload.objects.exists()


def test_a_second_refusal_keeps_the_photos_of_the_first_and_adds_new_ones(
    marie: Client, request_type: Any, address: Any, make_image: Any
) -> None:
    url = _at_details(marie, request_type, address)
    first = marie.post(url, {"photos": [make_image("a.jpg")]}).content.decode()
    again = marie.post(
        url, {"upload_ids": _kept_ids(first), "photos": [make_image("b.png", fmt="PNG")]}
    )
    body = again.content.decode()
    assert again.status_code == 400 and len(_kept_ids(body)) == 2
    assert "Vos 2 photos sont gardées" in body
    done = marie.post(url, {"upload_ids": _kept_ids(body), "field_taille": "petit"})
    assert done.status_code == 302
    names = sorted(a.original_name for a in Attachment.objects.all())
    assert names == ["a.jpg", "b.png"] and not Upload.objects.exists()


def test_retirer_drops_a_kept_photo_without_sending_the_form(
    client: Client, request_type: Any, address: Any, make_image: Any
) -> None:
    url = _at_details(client, request_type, address)
    _body, upload_id = _guest_refused_once(client, url, make_image)
    page = client.post(
        url,
        {"description": "Un trou devant chez moi", "upload_ids": [upload_id]}
        | {"remove_upload": upload_id},
    )
    body = page.content.decode()
    assert page.status_code == 200 and "Un trou devant chez moi" in body
    assert not _kept_ids(body) and "error-summary" not in body  # not judged yet
    assert not Upload.objects.exists() and not ServiceRequest.objects.exists()
    # The page script's way: 204, then nothing left to remove (404).
    _body, upload_id = _guest_refused_once(client, url, make_image)
    remove = reverse("portal:kept_photo_remove", args=[upload_id])
    assert client.post(remove).status_code == 204
    assert client.post(remove).status_code == 404


def test_another_visitor_can_neither_see_nor_attach_nor_remove_the_photo(
    client: Client, jean: Client, request_type: Any, address: Any, make_image: Any
) -> None:
    url = _at_details(client, request_type, address)
    _body, upload_id = _guest_refused_once(client, url, make_image)
    thief = Client()  # another guest, her own session
    thief_url = _at_details(thief, request_type, address)
    for visitor in (thief, jean):
        assert visitor.get(reverse("portal:kept_photo", args=[upload_id])).status_code == 404
        remove = reverse("portal:kept_photo_remove", args=[upload_id])
        assert visitor.post(remove).status_code == 404
    page = thief.post(
        thief_url,
        {
            "field_taille": "petit",
            "contact_name": "Voleuse",
            "contact_email": "voleuse@example.ca",
            "upload_ids": [upload_id],
        },
    )
    body = page.content.decode()
    assert page.status_code == 400 and "Une photo gardée n’est plus disponible" in body
    assert upload_id not in body and not ServiceRequest.objects.exists()
    assert Upload.objects.filter(public_id=upload_id).exists()  # still hers


def test_hostile_inputs_are_refused_with_a_translated_message(
    marie: Client, request_type: Any, address: Any, make_image: Any
) -> None:
    url = _at_details(marie, request_type, address)
    for forged in ("../../etc/passwd", "00000000-0000-0000-0000-000000000000", "x" * 500):
        page = marie.post(url, {"field_taille": "petit", "upload_ids": [forged]})
        assert page.status_code == 400
        assert "Une photo gardée n’est plus disponible" in page.content.decode()
    assert marie.get(reverse("portal:kept_photo", args=["pas-un-uuid"])).status_code == 404
    # Wrong content: a PDF named .jpg is refused and not kept.
    fake = SimpleUploadedFile("trou.jpg", b"%PDF-1.7\n%fake", content_type="image/jpeg")
    page = marie.post(url, {"photos": [fake]})
    assert "n’est pas une image JPEG, PNG ou WebP valide" in page.content.decode()
    assert not Upload.objects.exists() and not ServiceRequest.objects.exists()
    # A guest reading in English is told in English.
    guest = Client()
    guest.cookies["django_language"] = "en"
    guest_url = _at_details(guest, request_type, address)
    page = guest.post(guest_url, {"field_taille": "petit", "upload_ids": ["forged"]})
    assert "A kept photo is no longer available" in page.content.decode()


def test_an_expired_kept_photo_is_not_attached(
    marie: Client, request_type: Any, address: Any, make_image: Any
) -> None:
    url = _at_details(marie, request_type, address)
    upload_id = _kept_ids(marie.post(url, {"photos": [make_image()]}).content.decode())[0]
    Upload.objects.update(expires_at=timezone.now())
    page = marie.post(url, {"field_taille": "petit", "upload_ids": [upload_id]})
    assert page.status_code == 400 and not ServiceRequest.objects.exists()
    assert marie.get(reverse("portal:kept_photo", args=[upload_id])).status_code == 404
