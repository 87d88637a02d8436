"""Two sweeps over the whole API.

Cross-citizen: Jean tries every URL that names one of Marie's objects, with his own session
token and anonymously; every one answers 404 and changes nothing.

Mass assignment: every writable endpoint is sent every server-owned field; none changes.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from tests.api.conftest import ApiClient
from tests.api.test_requests_api import API, POTHOLE, post_json
from victo_crm.accounts.models import User
from victo_crm.alerts.models import Subscription
from victo_crm.notifications.models import Notification, PushDevice
from victo_crm.service_requests.models import (
    Channel,
    RequestEvent,
    RequestFollower,
    ServiceRequest,
    Transition,
    Upload,
)
from victo_crm.service_requests.services import service_request_transition


@pytest.fixture
def maries_objects(
    marie_api: Any,
    citizen: Any,
    other_citizen: Any,
    file_request: Any,
    make_image: Any,
    address: Any,
) -> dict[str, Any]:
    """Marie's request with a photo and a comment, a closed one, an upload, a device, an
    alert subscription and an in-app notification."""
    sr = file_request(citizen, photos=[make_image()])
    post_json(marie_api, f"{API}/requests/{sr.reference}/comments/", {"text": "Merci"})
    closed = file_request(citizen)
    transition = Transition.objects.get(from_state=closed.state, to_state__code="resolue")
    from tests.conftest import make_user

    admin = make_user("admin2@victoriaville.ca", role="administrator")
    service_request_transition(request=closed, transition=transition, actor=admin)
    upload = marie_api.post(f"{API}/uploads/", {"file": make_image()}).json()
    device = post_json(
        marie_api, f"{API}/devices/", {"kind": "fcm", "endpoint": "token-de-marie", "name": "Pixel"}
    ).json()
    followed = file_request(other_citizen)
    RequestFollower.objects.create(request=followed, user=citizen)
    subscription = post_json(
        marie_api,
        f"{API}/alerts/subscriptions/",
        {"topic": "travaux", "address": address.pk, "channels": ["email", "in_app"]},
    ).json()
    notification = Notification.objects.create(
        recipient=citizen,
        channel="in_app",
        kind="notice",
        status="sent",
        subject="Rue fermée",
        dedup_key="sweep:marie:1",
    )
    return {
        "subscription": subscription["id"],
        "notification": notification.pk,
        "request": sr,
        "closed": closed,
        "photo": sr.attachments.get(),
        "upload": upload["id"],
        "device": device["id"],
        "followed": followed,
    }


def object_urls(objects: dict[str, Any]) -> list[tuple[str, str, Any]]:
    sr, closed = objects["request"], objects["closed"]
    ref = f"{API}/requests/{sr.reference}"
    return [
        ("get", f"{ref}/", None),
        ("get", f"{ref}/photos/{objects['photo'].pk}/", None),
        ("post", f"{ref}/comments/", {"text": "Intrus"}),
        ("post", f"{ref}/photos/", {"upload_ids": [objects["upload"]]}),
        ("post", f"{API}/requests/{closed.reference}/reopen/", {"reason": "Intrus"}),
        ("post", f"{API}/requests/{closed.reference}/rating/", {"rating": 1}),
        ("get", f"{API}/requests/{closed.reference}/", None),
        ("delete", f"{API}/uploads/{objects['upload']}/", None),
        ("delete", f"{API}/devices/{objects['device']}/", None),
        ("delete", f"{API}/follows/{objects['followed'].public_id}/", None),
        ("get", f"{API}/alerts/subscriptions/{objects['subscription']}/", None),
        ("patch", f"{API}/alerts/subscriptions/{objects['subscription']}/", {"channels": ["sms"]}),
        ("delete", f"{API}/alerts/subscriptions/{objects['subscription']}/", None),
        ("post", f"{API}/notifications/{objects['notification']}/read/", None),
    ]


def snapshot() -> Any:
    return (
        list(ServiceRequest.objects.order_by("pk").values()),
        RequestEvent.objects.count(),
        Upload.objects.count(),
        PushDevice.objects.count(),
        RequestFollower.objects.count(),
        list(Subscription.objects.order_by("pk").values()),
        list(Notification.objects.order_by("pk").values("pk", "read_at")),
    )


def test_jean_and_an_anonymous_caller_get_404_on_every_object_of_marie(
    maries_objects: dict[str, Any], jean_api: Any, anonymous_api: Any
):
    before = snapshot()
    for who, client in (("jean", jean_api), ("anonymous", anonymous_api)):
        for method, url, body in object_urls(maries_objects):
            if body is None:
                response = getattr(client, method)(url)
            else:
                response = getattr(client, method)(
                    url, json.dumps(body), content_type="application/json"
                )
            assert response.status_code == 404, (who, method, url, response.content)
            assert response["Content-Type"] == "application/problem+json"
    assert snapshot() == before


def test_jean_sees_none_of_maries_requests_in_his_lists_or_export(
    maries_objects: dict[str, Any], jean_api: Any
):
    listed = jean_api.get(f"{API}/requests/").json()["results"]
    references = {r["reference"] for r in listed}
    with zipfile.ZipFile(io.BytesIO(jean_api.get(f"{API}/me/export/").content)) as archive:
        exported = "".join(archive.read(name).decode() for name in archive.namelist())
    devices = jean_api.get(f"{API}/devices/").json()
    subscriptions = jean_api.get(f"{API}/alerts/subscriptions/").json()
    inbox = jean_api.get(f"{API}/notifications/").json()

    assert maries_objects["request"].reference not in references
    assert maries_objects["closed"].reference not in references
    assert maries_objects["request"].reference not in exported
    assert "marie@example.ca" not in exported
    assert devices == []
    assert subscriptions == []
    assert inbox["results"] == [] and inbox["unread"] == 0


def test_a_session_token_cannot_be_borrowed_by_guessing(request_type: Any):
    response = ApiClient("x" * 32).get(f"{API}/requests/")

    assert response.status_code == 401


def test_an_expired_session_token_is_refused(citizen: Any):
    from django.contrib.sessions.models import Session
    from django.core.cache import cache
    from django.utils import timezone

    from tests.api.conftest import session_token_for

    token = session_token_for(citizen)
    assert ApiClient(token).get(f"{API}/me/").status_code == 200

    Session.objects.filter(session_key=token).update(expire_date=timezone.now())
    cache.clear()  # the cached copy (Redis) would have expired with it

    assert ApiClient(token).get(f"{API}/me/").status_code == 401


# --- Mass assignment ------------------------------------------------------------------------

SERVER_OWNED = {
    "id": 999999,
    "pk": 999999,
    "reference": "1999-999999",
    "public_id": "00000000-0000-0000-0000-000000000001",
    "state": "resolue",
    "state_id": 1,
    "status": {"code": "resolue", "is_closed": True},
    "assignee": 1,
    "assignee_id": 1,
    "team": 2,
    "team_id": 2,
    "due_at": "2000-01-01T00:00:00Z",
    "channel": "counter",
    "priority": 4,
    "citizen": 1,
    "citizen_id": 1,
    "user": 1,
    "owner": 1,
    "created_at": "2000-01-01T00:00:00Z",
    "updated_at": "2000-01-01T00:00:00Z",
    "closed_at": "2000-01-01T00:00:00Z",
    "version": 99,
    "merged_into": 1,
    "tracking_token_hash": "0" * 64,
    "is_staff": True,
    "is_superuser": True,
    "is_active": False,
    "email": "pirate@example.com",
    "date_joined": "2000-01-01T00:00:00Z",
}

REQUEST_FIELDS = (
    "reference",
    "state_id",
    "assignee_id",
    "team_id",
    "due_at",
    "channel",
    "priority",
    "citizen_id",
    "created_at",
    "closed_at",
    "version",
    "merged_into_id",
    "tracking_token_hash",
    "public_id",
)


def request_state(sr: ServiceRequest) -> dict[str, Any]:
    sr.refresh_from_db()
    return {name: getattr(sr, name) for name in REQUEST_FIELDS}


def user_state(user: User) -> dict[str, Any]:
    user.refresh_from_db()
    return {
        name: getattr(user, name)
        for name in ("email", "is_staff", "is_superuser", "is_active", "date_joined", "pk")
    }


def test_submission_ignores_every_server_owned_field(
    marie_api: Any, citizen: Any, request_type: Any, town: Any, agent: Any
):
    response = post_json(marie_api, f"{API}/requests/", {**SERVER_OWNED, **POTHOLE})

    assert response.status_code == 201, response.content
    sr = ServiceRequest.objects.get()
    assert sr.reference != SERVER_OWNED["reference"] and sr.reference.startswith("20")
    assert str(sr.public_id) != SERVER_OWNED["public_id"]
    assert sr.state.is_initial
    assert sr.assignee is None
    assert sr.team == request_type.team
    assert sr.channel == Channel.MOBILE
    assert sr.priority == request_type.default_priority
    assert sr.citizen == citizen
    assert sr.due_at is not None and sr.due_at.year > 2000
    assert sr.closed_at is None and sr.merged_into is None and sr.version == 1


def test_every_other_write_ignores_server_owned_fields(
    marie_api: Any,
    citizen: Any,
    other_citizen: Any,
    file_request: Any,
    make_image: Any,
    address: Any,
):
    sr = file_request(citizen)
    closed = file_request(citizen)
    from tests.conftest import make_user

    admin = make_user("admin3@victoriaville.ca", role="administrator")
    transition = Transition.objects.get(from_state=closed.state, to_state__code="resolue")
    service_request_transition(request=closed, transition=transition, actor=admin)
    others = file_request(other_citizen)
    before = {
        "sr": request_state(sr),
        "closed": request_state(closed),
        "others": request_state(others),
        "user": user_state(citizen),
    }

    def write(method: str, url: str, body: dict[str, Any]) -> Any:
        response = getattr(marie_api, method)(
            url, json.dumps({**SERVER_OWNED, **body}), content_type="application/json"
        )
        assert response.status_code < 300, (url, response.content)
        return response

    ref = f"{API}/requests/{sr.reference}"
    write("post", f"{ref}/comments/", {"text": "Merci"})
    upload = marie_api.post(f"{API}/uploads/", {"file": make_image(), **SERVER_OWNED})
    assert upload.status_code == 201
    write("post", f"{ref}/photos/", {"upload_ids": [upload.json()["id"]]})
    write("post", f"{API}/requests/{closed.reference}/rating/", {"rating": 5})
    write("patch", f"{API}/me/", {"first_name": "Marie-Ève"})
    preferences = marie_api.put(
        f"{API}/me/preferences/",
        json.dumps([{**SERVER_OWNED, "topic": "city_news", "channel": "email", "enabled": True}]),
        content_type="application/json",
    )
    assert preferences.status_code == 200, preferences.content
    write("post", f"{API}/me/consents/", {"purpose": "surveys", "given": True})
    write("post", f"{API}/follows/", {"request_id": str(others.public_id)})
    device = write("post", f"{API}/devices/", {"kind": "fcm", "endpoint": "jeton-1"})
    subscription = write(
        "post",
        f"{API}/alerts/subscriptions/",
        {"topic": "travaux", "address": address.pk, "channels": ["email"]},
    ).json()
    write("patch", f"{API}/alerts/subscriptions/{subscription['id']}/", {"channels": ["in_app"]})

    after_sr = request_state(sr)
    after_closed = request_state(closed)
    # Comments and photos touch only the timeline; the version and state stay.
    assert after_sr == before["sr"]
    assert after_closed == before["closed"]
    assert request_state(others) == before["others"]
    assert user_state(citizen) == before["user"]
    assert User.objects.get(pk=citizen.pk).first_name == "Marie-Ève"
    assert PushDevice.objects.get(pk=device.json()["id"]).user == citizen
    assert PushDevice.objects.get().is_active is True
    assert Upload.objects.filter(owner=other_citizen).count() == 0
    stored = Subscription.objects.get()
    assert stored.pk == subscription["id"] != SERVER_OWNED["id"]
    assert stored.user == citizen and stored.is_active is True
    assert stored.channels == ["in_app"] and stored.created_at.year > 2000
