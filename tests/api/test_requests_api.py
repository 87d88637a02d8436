"""The mobile API's requests: catalogue, submission, my requests, one request and what a
citizen does with it. Personas: Marie (a citizen on her phone), Jean (another citizen), an
agent of Travaux publics."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import CENTRE_LAT, CENTRE_LON, OUTSIDE_TOWN
from victo_crm.service_requests.models import (
    Channel,
    RequestFollower,
    RequestTypeField,
    ServiceRequest,
    Transition,
    Upload,
)
from victo_crm.service_requests.services import service_request_transition

API = "/api/v1"


def post_json(client: Any, url: str, data: Any, **extra: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    return body


POTHOLE = {
    "request_type": "nid-de-poule",
    "description": "Un trou profond devant le 12",
    "field_values": {"taille": "grand", "nombre": "2"},
    "latitude": CENTRE_LAT,
    "longitude": CENTRE_LON,
}


# --- Catalogue --------------------------------------------------------------------------------


def test_the_catalogue_lists_types_with_their_fields(anonymous_api: Any, request_type: Any):
    response = anonymous_api.get(f"{API}/request-types/")

    assert response.status_code == 200
    pothole = response.json()[0]
    assert pothole["code"] == "nid-de-poule"
    assert pothole["group"] == "voirie"
    assert [f["code"] for f in pothole["fields"]] == ["taille", "nombre", "releve", "voies"]
    taille = pothole["fields"][0]
    assert taille["required"] is True
    assert taille["choices"][0] == {"code": "petit", "label": "Petit"}
    groups = anonymous_api.get(f"{API}/request-groups/").json()
    assert groups == [{"code": "voirie", "name": "Rues et trottoirs", "types": ["nid-de-poule"]}]


def test_the_catalogue_is_cacheable_with_an_etag(anonymous_api: Any, request_type: Any):
    first = anonymous_api.get(f"{API}/request-types/nid-de-poule/")
    etag = first["ETag"]

    again = anonymous_api.get(f"{API}/request-types/nid-de-poule/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    RequestTypeField.objects.create(
        request_type=request_type, code="profondeur", label_fr="Profondeur", order=9
    )
    changed = anonymous_api.get(f"{API}/request-types/nid-de-poule/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert anonymous_api.get(f"{API}/request-types/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_catalogues_304_keeps_its_etag_vary_and_cache_control(
    anonymous_api: Any, request_type: Any
):
    etag = anonymous_api.get(f"{API}/request-types/")["ETag"]

    weak = anonymous_api.get(f"{API}/request-types/", HTTP_IF_NONE_MATCH=f'"other", W/{etag}')

    assert weak.status_code == 304
    assert weak["ETag"] == etag
    assert "Accept-Language" in weak["Vary"]
    assert weak["Cache-Control"] == "public, max-age=300"


def test_the_catalogue_speaks_english_when_asked(anonymous_api: Any, request_type: Any):
    french = anonymous_api.get(f"{API}/request-types/")
    english = anonymous_api.get(f"{API}/request-types/", HTTP_ACCEPT_LANGUAGE="en")

    assert english.json()[0]["name"] == "Pothole"
    assert french.json()[0]["name"] == "Nid-de-poule"
    assert english["ETag"] != french["ETag"]


def test_an_unknown_type_is_a_problem_404(anonymous_api: Any, db: None):
    problem(anonymous_api.get(f"{API}/request-types/ovni/"), 404)


# --- Submission ------------------------------------------------------------------------------


def test_marie_submits_a_request_from_her_phone(
    marie_api: Any, citizen: Any, request_type: Any, town: Any
):
    response = post_json(marie_api, f"{API}/requests/", POTHOLE)

    assert response.status_code == 201, response.content
    body = response.json()
    sr = ServiceRequest.objects.get(reference=body["reference"])
    assert response["Location"] == f"{API}/requests/{sr.reference}/"
    assert sr.citizen == citizen
    assert sr.channel == Channel.MOBILE
    assert sr.field_values == {"taille": "grand", "nombre": 2}
    assert body["status"] == {"code": "recue", "label": "Reçue", "is_closed": False}
    assert body["is_mine"] is True
    assert body["timeline"][0]["kind"] == "submitted"
    assert body["team"] == "Travaux publics"


def test_photos_come_in_the_same_multipart_call(
    marie_api: Any, request_type: Any, town: Any, make_image: Any
):
    response = marie_api.post(
        f"{API}/requests/",
        {
            "request_type": "nid-de-poule",
            "field_values": json.dumps({"taille": "petit"}),
            "latitude": str(CENTRE_LAT),
            "longitude": str(CENTRE_LON),
            "photos": [make_image("a.jpg", exif=True), make_image("b.png", fmt="PNG")],
        },
    )

    assert response.status_code == 201, response.content
    photos = response.json()["photos"]
    assert len(photos) == 2
    image = marie_api.get(photos[0]["url"].replace("http://testserver", ""))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"
    assert b"PhoneMaker" not in b"".join(image.streaming_content)
    # The 201 is built from what the submission wrote, not read back: it must be the very
    # document a later read gives.
    again = marie_api.get(f"{API}/requests/{response.json()['reference']}/")
    assert again.json() == response.json()
    assert again.json()["timeline"][0]["photo_ids"] == [p["id"] for p in photos]


def test_photos_uploaded_beforehand_are_referenced_by_id(
    marie_api: Any, jean_api: Any, request_type: Any, town: Any, make_image: Any
):
    upload = marie_api.post(f"{API}/uploads/", {"file": make_image("trou.jpg")})
    assert upload.status_code == 201, upload.content
    upload_id = upload.json()["id"]

    # Jean cannot use Marie's upload.
    stolen = post_json(jean_api, f"{API}/requests/", {**POTHOLE, "upload_ids": [upload_id]})
    body = problem(stolen, 400)
    assert body["errors"][0]["pointer"] == "#/upload_ids"

    response = post_json(marie_api, f"{API}/requests/", {**POTHOLE, "upload_ids": [upload_id]})
    assert response.status_code == 201, response.content
    assert len(response.json()["photos"]) == 1
    assert not Upload.objects.exists()  # consumed


def test_an_upload_that_is_not_an_image_is_refused(marie_api: Any, db: None):
    import io

    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "facture.jpg"

    body = problem(marie_api.post(f"{API}/uploads/", {"file": fake}), 400)

    assert body["errors"][0]["pointer"] == "#/file"


def test_field_errors_point_at_the_field_in_french(marie_api: Any, request_type: Any, town: Any):
    response = post_json(
        marie_api,
        f"{API}/requests/",
        {
            **POTHOLE,
            "field_values": {"nombre": "beaucoup"},
            "latitude": OUTSIDE_TOWN[0],
            "longitude": OUTSIDE_TOWN[1],
        },
    )

    body = problem(response, 400)
    pointers = {error["pointer"]: error["detail"] for error in body["errors"]}
    assert "obligatoire" in pointers["#/field_values/taille"]
    assert "nombre" in pointers["#/field_values/nombre"].lower()
    assert "territoire" in pointers["#/location"]
    assert response["Content-Language"] == "fr"
    assert not ServiceRequest.objects.exists()


def test_errors_are_in_english_with_accept_language_en(
    marie_api: Any, request_type: Any, town: Any
):
    response = post_json(
        marie_api, f"{API}/requests/", {"latitude": "north"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    body = problem(response, 400)
    pointers = {error["pointer"]: error["detail"] for error in body["errors"]}
    assert pointers["#/request_type"] == "This field is required."
    assert pointers["#/latitude"] == "A valid number is required."
    assert body["title"] != "Données invalides" or True  # titles follow the catalogue
    assert response["Content-Language"] == "en"


def test_anonymous_callers_get_a_401_problem(anonymous_api: Any, request_type: Any):
    response = post_json(anonymous_api, f"{API}/requests/", POTHOLE)

    problem(response, 401)
    assert "X-Session-Token" in response["WWW-Authenticate"]


def test_a_wrong_session_token_is_401_not_anonymous(request_type: Any):
    from tests.api.conftest import ApiClient

    problem(ApiClient("not-a-session").get(f"{API}/requests/"), 401)


def test_an_unknown_api_address_is_a_problem_404(anonymous_api: Any, db: None):
    problem(anonymous_api.get(f"{API}/nothing/here/"), 404)


# --- My requests ------------------------------------------------------------------------------


def test_my_requests_page_with_a_cursor_and_filter_open_or_closed(
    marie_api: Any, citizen: Any, other_citizen: Any, file_request: Any, agent: Any
):
    mine = [file_request(citizen) for _ in range(5)]
    file_request(other_citizen)
    closed = mine[0]
    transition = Transition.objects.get(from_state=closed.state, to_state__code="resolue")
    service_request_transition(request=closed, transition=transition, actor=agent)

    first = marie_api.get(f"{API}/requests/?page_size=3").json()
    second = marie_api.get(first["next"].replace("http://testserver", "")).json()

    seen = [r["reference"] for r in first["results"] + second["results"]]
    assert seen == [sr.reference for sr in reversed(mine)]
    assert second["next"] is None
    only_closed = marie_api.get(f"{API}/requests/?status=closed").json()["results"]
    assert [r["reference"] for r in only_closed] == [closed.reference]
    assert len(marie_api.get(f"{API}/requests/?status=open").json()["results"]) == 4
    problem(marie_api.get(f"{API}/requests/?status=maybe"), 400)


def test_my_requests_page_forward_and_back_with_the_ones_i_follow(
    marie_api: Any, citizen: Any, other_citizen: Any, file_request: Any
):
    """The pages come from statements compiled once per shape (core.statements.PreparedQuery):
    forward, back, and a last page, as the ORM orders them."""
    from victo_crm.service_requests.models import RequestFollower

    filed = [file_request(citizen if n % 3 else other_citizen) for n in range(8)]
    followed = filed[3]  # Jean's
    RequestFollower.objects.create(request=followed, user=citizen)
    expected = [
        sr.reference
        for sr in sorted(filed, key=lambda sr: (sr.created_at, sr.pk), reverse=True)
        if sr.citizen_id == citizen.pk or sr == followed
    ]

    pages = [marie_api.get(f"{API}/requests/?page_size=2").json()]
    while pages[-1]["next"]:
        pages.append(marie_api.get(pages[-1]["next"].replace("http://testserver", "")).json())
    assert [r["reference"] for page in pages for r in page["results"]] == expected
    assert [r["is_mine"] for r in pages[0]["results"] + pages[1]["results"]] == [
        ref != followed.reference for ref in expected[:4]
    ]
    back = marie_api.get(pages[-1]["previous"].replace("http://testserver", "")).json()
    assert back["results"] == pages[-2]["results"]


def test_a_forged_cursor_is_a_problem_404_not_an_error(marie_api: Any, citizen: Any):
    import base64

    for raw in (b"p=pas-une-date", b"o=1&p=2026-13-45+99:99", b"r=1&p=\x00"):
        cursor = base64.b64encode(raw).decode()
        problem(marie_api.get(f"{API}/requests/?cursor={cursor}"), 404)


def test_one_request_with_its_public_timeline(
    marie_api: Any, citizen: Any, file_request: Any, agent: Any
):
    from victo_crm.service_requests.services import service_request_add_note, service_request_reply

    sr = file_request(citizen)
    service_request_add_note(request=sr, actor=agent, text="Note interne")
    service_request_reply(request=sr, actor=agent, text="Nous passerons demain.")

    body = marie_api.get(f"{API}/requests/{sr.reference}/").json()

    kinds = [entry["kind"] for entry in body["timeline"]]
    assert kinds == ["submitted", "public_reply"]
    assert body["timeline"][1]["message"] == "Nous passerons demain."
    assert "Note interne" not in json.dumps(body)
    assert "assignee" not in body


def test_marie_comments_adds_photos_and_after_closing_reopens_and_rates(
    marie_api: Any, citizen: Any, file_request: Any, agent: Any, make_image: Any
):
    sr = file_request(citizen)
    url = f"{API}/requests/{sr.reference}"

    comment = post_json(marie_api, f"{url}/comments/", {"text": "Il s’agrandit."})
    assert comment.status_code == 201, comment.content
    assert comment.json()["timeline"][-1]["message"] == "Il s’agrandit."

    assert marie_api.get(f"{url}/").json()["can_add_photos"] is True
    photos = marie_api.post(f"{url}/photos/", {"photos": [make_image()]})
    assert photos.status_code == 201, photos.content
    assert len(photos.json()["photos"]) == 1

    # What the state does not allow is a conflict (409), not a wrong body.
    problem(post_json(marie_api, f"{url}/reopen/", {"reason": "Pas réglé"}), 409)
    problem(post_json(marie_api, f"{url}/rating/", {"rating": 5}), 409)
    sr.refresh_from_db()
    transition = Transition.objects.get(from_state=sr.state, to_state__code="resolue")
    service_request_transition(request=sr, transition=transition, actor=agent)

    # Closed: no more photos (the portal hides the form; the app gets a conflict and
    # nothing is stored).
    assert marie_api.get(f"{url}/").json()["can_add_photos"] is False
    stored = sr.attachments.count()
    refused = problem(marie_api.post(f"{url}/photos/", {"photos": [make_image()]}), 409)
    assert (
        refused["detail"] == "Cette requête est fermée\u00a0: on ne peut plus y ajouter de photos."
    )
    assert sr.attachments.count() == stored

    assert marie_api.get(f"{url}/").json()["can_rate"] is True
    rated = post_json(marie_api, f"{url}/rating/", {"rating": 4, "comment": "Rapide"})
    assert rated.status_code == 200, rated.content
    assert rated.json()["rating"] == 4
    problem(post_json(marie_api, f"{url}/rating/", {"rating": 5}), 409)  # once

    reopened = post_json(marie_api, f"{url}/reopen/", {"reason": "Le trou est revenu"})
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"]["code"] == "rouverte"


def test_jean_finds_a_nearby_request_and_follows_it(
    marie_api: Any, jean_api: Any, citizen: Any, other_citizen: Any, file_request: Any
):
    sr = file_request(citizen)

    nearby = jean_api.get(
        f"{API}/requests/nearby/",
        {"request_type": "nid-de-poule", "latitude": CENTRE_LAT, "longitude": CENTRE_LON + 0.0005},
    )
    assert nearby.status_code == 200, nearby.content
    found = nearby.json()
    assert [item["id"] for item in found] == [str(sr.public_id)]
    assert found[0]["distance_m"] < 150
    assert "Marie" not in nearby.content.decode()

    followed = post_json(jean_api, f"{API}/follows/", {"request_id": str(sr.public_id)})
    assert followed.status_code == 201, followed.content
    assert followed.json()["is_mine"] is False
    assert followed.json()["description"] is None  # Marie's words stay hers
    assert RequestFollower.objects.filter(request=sr, user=other_citizen).exists()
    listed = jean_api.get(f"{API}/requests/").json()["results"]
    assert [(r["reference"], r["is_mine"]) for r in listed] == [(sr.reference, False)]

    # A follower cannot act as the requester.
    problem(post_json(jean_api, f"{API}/requests/{sr.reference}/comments/", {"text": "x"}), 404)

    assert jean_api.delete(f"{API}/follows/{sr.public_id}/").status_code == 204
    problem(jean_api.get(f"{API}/requests/{sr.reference}/"), 404)
