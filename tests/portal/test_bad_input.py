"""Bad input gets a clear French message on the same page, what was typed is kept, nothing
is stored half-way, and a script tag is text wherever it shows up later."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from victo_crm.service_requests.models import Attachment, RequestEvent, ServiceRequest, Upload

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("pirate")</script>'


@pytest.fixture
def at_details(marie: Any, request_type: Any, address: Any) -> str:
    marie.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    return reverse("portal:submit_details", args=[request_type.code])


def _nothing_stored() -> None:
    assert not ServiceRequest.objects.exists()
    assert not Attachment.objects.exists()
    assert not RequestEvent.objects.exists()


def test_a_missing_required_field_is_named_and_the_text_is_kept(
    marie: Any, at_details: str
) -> None:
    page = marie.post(at_details, {"description": "Mon texte à garder", "field_nombre": "3"})
    assert page.status_code == 400
    body = page.content.decode()
    assert "Le champ «\u00a0Taille\u00a0» est obligatoire." in body
    assert "Mon texte à garder" in body and 'value="3"' in body
    assert 'aria-describedby="id_field_taille-error' in body
    _nothing_stored()


def test_a_wrong_address_is_refused_on_the_location_page_with_the_text_kept(
    marie: Any, request_type: Any, address: Any
) -> None:
    page = marie.post(
        reverse("portal:submit_location", args=[request_type.code]),
        {"address_query": "999 rue Inexistante", "location_text": "près du parc"},
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "Nous ne trouvons pas «\u00a0999 rue Inexistante\u00a0» au registre" in body
    assert 'value="999 rue Inexistante"' in body and "près du parc" in body


def test_a_pdf_renamed_png_is_refused(marie: Any, at_details: str) -> None:
    fake = SimpleUploadedFile("photo.png", b"%PDF-1.7\n%fake", content_type="image/png")
    page = marie.post(
        at_details, {"field_taille": "petit", "description": "Gardé", "photos": [fake]}
    )
    body = page.content.decode()
    assert page.status_code == 400
    assert (
        "Le fichier «\u00a0photo.png\u00a0» n’est pas une image JPEG, PNG ou WebP valide." in body
    )
    assert "Gardé" in body
    _nothing_stored()
    assert not Upload.objects.exists()  # a file that is not an image is not kept either


def test_a_30_mb_photo_is_refused(marie: Any, at_details: str) -> None:
    big = SimpleUploadedFile(
        "enorme.jpg", b"\xff\xd8" + b"0" * (30 * 1024 * 1024), content_type="image/jpeg"
    )
    page = marie.post(at_details, {"field_taille": "petit", "photos": [big]})
    assert page.status_code == 400
    assert (
        "Le fichier «\u00a0enorme.jpg\u00a0» dépasse la taille permise (10 Mo)."
        in page.content.decode()
    )
    _nothing_stored()


def test_fifty_photos_are_refused(marie: Any, at_details: str, make_image: Any) -> None:
    photos = [make_image(f"p{i}.jpg") for i in range(50)]
    page = marie.post(at_details, {"field_taille": "petit", "photos": photos})
    assert page.status_code == 400
    assert "Vous pouvez joindre au plus 8 photos à une requête." in page.content.decode()
    _nothing_stored()
    assert not Upload.objects.exists()


def test_a_guest_without_email_is_asked_for_it(
    client: Any, request_type: Any, address: Any
) -> None:
    client.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    page = client.post(
        reverse("portal:submit_details", args=[request_type.code]),
        {"field_taille": "petit", "contact_name": "Lucie", "contact_email": "pas-un-courriel"},
    )
    body = page.content.decode()
    assert "Entrez une adresse courriel valide." in body and 'value="Lucie"' in body
    _nothing_stored()


def test_a_script_tag_is_text_everywhere(
    marie: Any, at_details: str, citizen: Any, request_type: Any
) -> None:
    done = marie.post(at_details, {"field_taille": "petit", "description": SCRIPT})
    assert done.status_code == 302
    sr = ServiceRequest.objects.get()
    assert sr.description == SCRIPT  # stored as typed
    marie.post(reverse("portal:request_comment", args=[sr.reference]), {"text": SCRIPT})
    escaped = "&lt;script&gt;alert(&quot;pirate&quot;)&lt;/script&gt;"
    for url in (
        reverse("portal:request_detail", args=[sr.reference]),
        reverse("portal:submit_done"),
        reverse("portal:my_requests"),
    ):
        body = marie.get(url).content.decode()
        assert SCRIPT not in body, url
    detail = marie.get(reverse("portal:request_detail", args=[sr.reference])).content.decode()
    assert detail.count(escaped) == 2  # the description and the comment
    archive = zipfile.ZipFile(io.BytesIO(marie.get(reverse("portal:export")).content))
    exported = json.loads(archive.read("data.json"))
    assert exported["requests"][0]["description"] == SCRIPT  # data, not HTML


def test_a_script_tag_in_the_profile_is_text(marie: Any, citizen: Any) -> None:
    marie.post(
        reverse("portal:profile"),
        {"first_name": SCRIPT[:150], "last_name": "T", "preferred_language": "fr"},
    )
    body = marie.get(reverse("portal:home")).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_an_empty_comment_shows_a_message_on_the_request_page(
    marie: Any, marie_request: Any
) -> None:
    page = marie.post(
        reverse("portal:request_comment", args=[marie_request.reference]), {"text": " "}
    )
    assert page.status_code == 400 and "Écrivez votre commentaire." in page.content.decode()


def test_a_bad_photo_added_later_is_refused_on_the_request_page(
    marie: Any, marie_request: Any
) -> None:
    fake = io.BytesIO(b"GIF89a not really")
    fake.name = "anim.gif"
    page = marie.post(
        reverse("portal:request_add_photos", args=[marie_request.reference]), {"photos": [fake]}
    )
    assert (
        page.status_code == 400
        and "n’est pas une image JPEG, PNG ou WebP valide" in page.content.decode()
    )
    assert Attachment.objects.filter(request=marie_request).count() == 1
