"""Law 25: Marie's export holds everything we keep about her, in one archive, and deleting
her account leaves nothing that names her, in the database or in the media folder.

Personas: Marie, who reported a pothole through Open311 with her e-mail and phone before she
signed up, then uses the portal and the app; Jean, another citizen, who follows her request
(his data stays untouched); Luc, an agent of the right team, who answers her by name."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.urls import reverse

from tests.api.conftest import ApiClient, session_token_for
from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.accounts import services as account_services
from victo_crm.accounts.models import User
from victo_crm.alerts.models import AlertTopic
from victo_crm.alerts.services import subscription_create
from victo_crm.notifications.models import EmailSuppression, Notification
from victo_crm.notifications.services import push_device_register
from victo_crm.portal.services import service_request_submit_once
from victo_crm.privacy import services
from victo_crm.service_requests.citizen import service_request_comment, service_request_follow
from victo_crm.service_requests.models import (
    Attachment,
    Receipt,
    RequestFollower,
    ServiceRequest,
    Upload,
)
from victo_crm.service_requests.services import (
    Contact,
    service_request_reply,
    service_request_submit,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
PHONE = "819 555-0142"
# What identifies Marie, however it was written.
HERS = ("Marie Tremblay", "marie@example.ca", "marie.t@example.ca", "8195550142", PHONE)


def _post(client: Any, url: str, data: Any, **extra: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


@pytest.fixture
def history(
    citizen: User,
    other_citizen: User,
    agent: User,
    request_type: Any,
    address: Any,
    town: Any,
    make_image: Any,
) -> dict[str, Any]:
    """Everything Marie left with the town, through every face."""
    # Before she had an account: a partner's Open311 client filed for her, her phone included.
    open311 = service_request_submit(
        request_type=request_type,
        contact=Contact(name="Marie Tremblay", email="Marie.T@example.ca", phone=PHONE),
        description="Trou devant chez moi, appelez Marie au 819-555-0142",
        field_values={"taille": "grand"},
        address=address,
        channel="open311",
    )
    # Her account, with that second address verified later (the claim is not needed: the
    # export and the deletion reach requests filed under any of her verified addresses).
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    citizen.phone = PHONE
    citizen.save(update_fields=["phone"])
    ServiceRequest.objects.filter(pk=open311.pk).update(citizen=None)
    EmailAddress.objects.create(user=citizen, email="marie.t@example.ca", verified=True)
    account_services.consent_give(user=citizen, purpose="surveys")
    account_services.user_preferences_set(user=citizen, preferences={("collections", "sms"): True})
    # The portal: a request with a photo carrying her home's GPS position.
    own, _created = service_request_submit_once(
        token="brouillon-1",
        request_type=request_type,
        citizen=citizen,
        description="Lampadaire éteint",
        field_values={"taille": "petit"},
        address=address,
        photos=[make_image("maison-marie.jpg", exif=True)],
    )
    service_request_comment(request=own, citizen=citizen, text="Merci, c’est Marie Tremblay")
    service_request_reply(request=own, actor=agent, text="Bonjour Marie Tremblay, c’est noté.")
    service_request_follow(request=own, user=other_citizen)
    # An alert subscription for her mother's address, an unsubscribe as a guest, a device.
    topic = AlertTopic.objects.filter(category="collection", is_active=True).first()
    assert topic is not None
    subscription_create(
        user=citizen, topic=topic, address=address, channels=["email"], label="Chez ma mère"
    )
    EmailSuppression.objects.create(email="marie.t@example.ca", topic="*")
    push_device_register(user=citizen, kind="fcm", endpoint="jeton-marie", name="Pixel de Marie")
    # The app: a photo sent ahead (its submission never came) and a keyed submission.
    marie_api = ApiClient(session_token_for(citizen))
    upload = marie_api.post(f"{API}/uploads/", {"file": make_image("cour.jpg", exif=True)})
    assert upload.status_code == 201, upload.content
    submitted = _post(
        marie_api,
        f"{API}/requests/",
        {
            "request_type": request_type.code,
            "description": "Arbre tombé",
            "field_values": {"taille": "grand"},
            "latitude": CENTRE_LAT,
            "longitude": CENTRE_LON,
        },
        HTTP_IDEMPOTENCY_KEY="cle-1",
    )
    assert submitted.status_code == 201, submitted.content
    # Jean's own life, which her deletion must not touch.
    jeans = service_request_submit(
        request_type=request_type,
        citizen=other_citizen,
        description="Nid-de-poule rue Jean",
        field_values={"taille": "petit"},
        address=address,
        photos=[make_image("jean.jpg")],
    )
    return {"open311": open311, "own": own, "jeans": jeans, "upload": Upload.objects.get()}


def _archive(content: bytes) -> tuple[dict[str, Any], zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return json.loads(archive.read("data.json")), archive


def test_marie_s_archive_holds_everything_we_keep_about_her(
    citizen: User, history: dict[str, Any]
) -> None:
    data, archive = _archive(services.personal_data_archive(user=citizen))

    assert data["format"] == services.FORMAT
    assert data["profile"]["phone"] == PHONE
    assert {e["email"] for e in data["email_addresses"]} == {
        "marie@example.ca",
        "marie.t@example.ca",
    }
    references = {r["reference"] for r in data["requests"]}
    # The Open311 request filed before she signed up is hers too, with its contact details.
    assert history["open311"].reference in references
    assert history["own"].reference in references
    assert history["jeans"].reference not in references
    open311 = next(r for r in data["requests"] if r["reference"] == history["open311"].reference)
    assert (open311["contact_email"], open311["contact_phone"]) == ("marie.t@example.ca", PHONE)
    own = next(r for r in data["requests"] if r["reference"] == history["own"].reference)
    texts = [(e["by_me"], e["text"]) for e in own["timeline"]]
    assert (True, "Merci, c’est Marie Tremblay") in texts  # her comment
    assert (False, "Bonjour Marie Tremblay, c’est noté.") in texts  # the staff's reply to her
    # Her photo itself, not only its name: the original, EXIF included.
    photo = own["photos"][0]
    assert photo["name"] == "maison-marie.jpg"
    original = Attachment.objects.get(request=history["own"]).file
    assert archive.read(photo["file"]) == original.open("rb").read()
    # The photo sent ahead from the app, the API's stored response, the portal's receipt.
    pending = data["pending_uploads"][0]
    assert pending["name"] == "cour.jpg" and archive.read(pending["file"])
    assert data["api_replays"][0]["key"] == "cle-1"
    assert "Arbre tombé" in data["api_replays"][0]["response_body"]
    assert data["submission_receipts"][0]["token"] == "brouillon-1"
    # Her alerts (with the name she gave her mother's address), inbox, devices, unsubscribes.
    assert data["alert_subscriptions"][0]["label"] == "Chez ma mère"
    assert any(n["channel"] == "in_app" for n in data["notifications"])
    assert data["devices"][0]["name"] == "Pixel de Marie"
    assert data["email_suppressions"][0]["email"] == "marie.t@example.ca"
    assert data["consents"][0]["purpose"] == "surveys"
    assert data["sign_in"]["sessions"]  # the app's session
    # The same lists as CSV, for a spreadsheet.
    assert "csv/requests.csv" in archive.namelist()
    assert "csv/alert_subscriptions.csv" in archive.namelist()
    # Nothing of Jean's.
    dumped = json.dumps(data)
    assert "jean@example.ca" not in dumped and "Nid-de-poule rue Jean" not in dumped


def test_the_portal_and_the_api_serve_the_same_archive(
    citizen: User, history: dict[str, Any]
) -> None:
    portal = Client()
    portal.force_login(citizen)
    page = portal.get(reverse("portal:export"))
    app = ApiClient(session_token_for(citizen)).get(f"{API}/me/export/")

    for response in (page, app):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert "no-store" in response["Cache-Control"]
    from_portal, _ = _archive(page.content)
    from_app, _ = _archive(app.content)
    for data in (from_portal, from_app):
        data.pop("exported_at")
        data["sign_in"].pop("sessions")  # each face adds its own session
    assert from_portal == from_app


def _export_schema_errors(data: dict[str, Any]) -> list[str]:
    """What of ``data`` the served schema's ``PersonalDataExport`` refuses."""
    from jsonschema import Draft202012Validator

    schema = ApiClient(None).get(f"{API}/schema/", {"format": "json"}).json()
    validator = Draft202012Validator(
        {"$ref": "#/components/schemas/PersonalDataExport", "components": schema["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


def test_the_export_is_described_by_the_schema_section_by_section(db: None) -> None:
    """Every section the apps contribute is in the contract, and nothing else: a new
    contribution fails here until the schema describes it."""
    from victo_crm.privacy.registry import contributions

    schema = ApiClient(None).get(f"{API}/schema/", {"format": "json"}).json()
    component = schema["components"]["schemas"]["PersonalDataExport"]
    sections = {c.section for c in contributions() if c.export is not None}
    assert set(component["properties"]) == {"format", "exported_at", *sections}
    assert component["additionalProperties"] is False
    answer = schema["paths"]["/api/v1/me/export/"]["get"]["responses"]["200"]["content"]
    assert list(answer) == ["application/zip", "application/json"]


def test_marie_s_export_matches_the_schema_as_json_and_in_the_archive(
    citizen: User, history: dict[str, Any]
) -> None:
    app = ApiClient(session_token_for(citizen))
    answer = app.get(f"{API}/me/export/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert "Accept" in answer["Vary"] and "no-store" in answer["Cache-Control"]
    data = answer.json()
    assert _export_schema_errors(data) == []
    # Everything of the archive's data.json but the files (those come with the archive).
    own = next(r for r in data["requests"] if r["reference"] == history["own"].reference)
    assert own["photos"][0]["name"] == "maison-marie.jpg" and own["photos"][0]["file"] is None
    assert data["pending_uploads"][0]["file"] is None

    archived, _archive_file = _archive(app.get(f"{API}/me/export/").content)
    assert _export_schema_errors(archived) == []
    assert archived["devices"] and archived["alert_subscriptions"] and archived["consents"]
    assert archived["email_suppressions"] and archived["api_replays"]


def test_jean_s_archive_holds_nothing_of_marie_s(
    other_citizen: User, history: dict[str, Any]
) -> None:
    data, archive = _archive(services.personal_data_archive(user=other_citizen))

    assert [f["reference"] for f in data["followed_requests"]] == [history["own"].reference]
    assert [r["reference"] for r in data["requests"]] == [history["jeans"].reference]
    everything = b"".join(archive.read(name) for name in archive.namelist())
    for identifier in HERS:
        assert identifier.encode() not in everything


def _text_columns() -> list[tuple[type[models.Model], str]]:
    kinds = (
        models.CharField,
        models.TextField,
        models.JSONField,
        models.FileField,
        SearchVectorField,  # on PostgreSQL, the desk's full-text document of each request
    )
    return [
        (model, field.attname)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, kinds) and model._meta.managed and not model._meta.proxy
    ]


def test_after_deletion_nothing_names_marie_and_none_of_her_files_remain(
    citizen: User,
    other_citizen: User,
    history: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    own = history["own"]
    original = Path(Attachment.objects.get(request=own).file.path)
    pending = Path(history["upload"].file.path)
    jeans_files = [Path(a.file.path) for a in Attachment.objects.filter(request=history["jeans"])]
    assert original.exists() and pending.exists()

    for wrong in ("faux", ""):
        with pytest.raises(ValidationError) as error:
            services.account_delete(user=citizen, password=wrong)
        assert error.value.message_dict == {"password": ["Mot de passe incorrect."]}
    assert User.objects.filter(pk=citizen.pk).exists() and original.exists()

    with django_capture_on_commit_callbacks(execute=True):
        kept = services.account_delete(user=citizen, password="correct horse battery")
    assert kept == 3  # the Open311 request, the portal's and the app's

    # No column of any table holds her name, e-mail or phone number.
    for model, column in _text_columns():
        for value in model._default_manager.values_list(column, flat=True):
            text = json.dumps(value) if not isinstance(value, str) else value
            digits = "".join(c for c in text if c.isdigit())
            for identifier in (*HERS, "'tremblay'"):
                assert identifier.lower() not in (text or "").lower(), (model, column, text)
            assert "8195550142" not in digits, (model, column, text)
    # Her files are gone from the media folder; Jean's and the public copies stay.
    assert not original.exists() and not pending.exists()
    assert all(path.exists() for path in jeans_files)
    media = {
        p.relative_to(settings.MEDIA_ROOT).as_posix()
        for p in Path(settings.MEDIA_ROOT).rglob("*")
        if p.is_file()
    }
    expected = {a.file.name for a in Attachment.objects.all()} | {
        a.public_file.name for a in Attachment.objects.exclude(public_file="")
    }
    assert media == expected
    # The town's records stay, anonymised; nothing that was hers alone remains.
    kept_requests = ServiceRequest.objects.filter(pk__in=[own.pk, history["open311"].pk])
    assert kept_requests.count() == 2
    assert set(kept_requests.values_list("tracking_token_hash", flat=True)) == {""}
    assert not Upload.objects.exists() and not Receipt.objects.exists()
    assert not EmailSuppression.objects.exists()
    # Jean keeps his follow, his request, his messages (now without her name).
    assert RequestFollower.objects.filter(user=other_citizen, request=own).exists()
    assert ServiceRequest.objects.get(pk=history["jeans"].pk).citizen == other_citizen
    assert Notification.objects.filter(recipient=other_citizen).exists()
    assert User.objects.filter(pk=other_citizen.pk).exists()


def test_the_portal_and_the_api_delete_through_the_same_service(
    citizen: User, other_citizen: User, history: dict[str, Any]
) -> None:
    jean_api = ApiClient(session_token_for(other_citizen))
    assert (
        _post(jean_api, f"{API}/me/deletion/", {"password": "correct horse battery"}).status_code
        == 204
    )
    assert not User.objects.filter(pk=other_citizen.pk).exists()

    portal = Client()
    portal.force_login(citizen)
    response = portal.post(
        reverse("portal:delete_account"), {"password": "correct horse battery", "confirm": "on"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=citizen.pk).exists()
    assert not Upload.objects.exists()
    assert not ServiceRequest.objects.filter(contact_email__iexact="marie.t@example.ca").exists()
