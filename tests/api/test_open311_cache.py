"""Open311's public reads from the cache (issue 18): validators, 304s, and no stale answer.

Personas: a regional 311 centre polling the feed (an anonymous client that keeps the ETag it
was given), Marie (a citizen who files requests), Luc (an agent of Travaux publics who moves
them through the workflow).
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.api.test_open311 import BASE, FORMATS, parsed
from victo_crm.api.open311 import cache as open311_cache
from victo_crm.api.open311.cache import CACHE_HEADER
from victo_crm.core import config_cache
from victo_crm.service_requests.models import ServiceRequest, Transition
from victo_crm.service_requests.services import service_request_transition

PUBLIC_READS = [
    "requests.json",
    "requests.xml",
    "services.json",
    "services.xml",
    "services/nid-de-poule.json",
]


@pytest.fixture
def centre() -> Client:
    return Client()


@pytest.fixture
def luc_moves(agent: Any) -> Any:
    def _move(sr: ServiceRequest, to: str) -> None:
        transition = Transition.objects.get(from_state=sr.state, to_state__code=to)
        service_request_transition(request=sr, transition=transition, actor=agent, comment="")

    return _move


def ids(response: Any, fmt: str = "json") -> list[str]:
    return [row["service_request_id"] for row in parsed(response, fmt)]


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_a_public_read_carries_an_etag_and_a_conditional_one_answers_304_without_a_body(
    centre: Client, file_request: Any, citizen: Any, path: str
) -> None:
    file_request(citizen)
    first = centre.get(f"{BASE}/{path}")
    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    assert first["Cache-Control"].startswith("public, max-age=")
    assert "Accept-Language" in first["Vary"]

    again = centre.get(f"{BASE}/{path}", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]

    other = centre.get(f"{BASE}/{path}", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.content == first.content


def test_one_request_read_is_cached_and_conditional_too(
    centre: Client, file_request: Any, citizen: Any
) -> None:
    sr = file_request(citizen)
    first = centre.get(f"{BASE}/requests/{sr.reference}.json")
    assert ids(first) == [sr.reference]
    again = centre.get(
        f"{BASE}/requests/{sr.reference}.json", headers={"If-None-Match": first["ETag"]}
    )
    assert again.status_code == 304


def test_a_cached_read_costs_no_query(
    centre: Client, file_request: Any, citizen: Any, django_assert_num_queries: Any
) -> None:
    file_request(citizen)
    file_request(citizen)
    first = centre.get(f"{BASE}/requests.json")
    assert first[CACHE_HEADER] == "miss"
    with django_assert_num_queries(0):
        hit = centre.get(f"{BASE}/requests.json")
    assert hit[CACHE_HEADER] == "hit"
    assert hit.content == first.content
    with django_assert_num_queries(0):
        assert (
            centre.get(
                f"{BASE}/requests.json", headers={"If-None-Match": first["ETag"]}
            ).status_code
            == 304
        )


def test_a_conditional_read_fetches_the_etag_not_the_answer(
    centre: Client, file_request: Any, citizen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poller holding the current ETag costs a few bytes from the cache, not the answer
    (half a megabyte for a thousand requests); a stale ETag gets the whole answer."""
    file_request(citizen)
    first = centre.get(f"{BASE}/requests.json")
    fetched: list[str] = []

    class Spy:
        def __getattr__(self, name: str) -> Any:
            return getattr(cache, name)

        def get(self, key: str, *args: Any, **kwargs: Any) -> Any:
            fetched.append(key)
            return cache.get(key, *args, **kwargs)

    monkeypatch.setattr(open311_cache, "cache", Spy())
    again = centre.get(f"{BASE}/requests.json", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"] and "Accept-Language" in again["Vary"]
    assert fetched and all(key.endswith(open311_cache.ETAG_SUFFIX) for key in fetched)

    fetched.clear()
    stale = centre.get(f"{BASE}/requests.json", headers={"If-None-Match": '"an-older-one"'})
    assert stale.status_code == 200 and stale.content == first.content
    assert any(not key.endswith(open311_cache.ETAG_SUFFIX) for key in fetched)


def test_different_queries_get_their_own_answers_and_parameter_order_does_not_matter(
    centre: Client, file_request: Any, citizen: Any, luc_moves: Any
) -> None:
    opened = file_request(citizen)
    closed = file_request(citizen)
    luc_moves(closed, "resolue")
    assert ids(centre.get(f"{BASE}/requests.json?status=open")) == [opened.reference]
    assert ids(centre.get(f"{BASE}/requests.json?status=closed")) == [closed.reference]
    assert ids(centre.get(f"{BASE}/requests.json?status=open&page_size=1")) == [opened.reference]
    reordered = centre.get(f"{BASE}/requests.json?page_size=1&status=open")
    assert reordered[CACHE_HEADER] == "hit"
    assert ids(centre.get(f"{BASE}/requests.xml?status=closed"), "xml") == [closed.reference]


def test_languages_are_kept_apart(centre: Client, request_type: Any) -> None:
    french = centre.get(f"{BASE}/services.json")
    english = centre.get(f"{BASE}/services.json", headers={"Accept-Language": "en"})
    assert json.loads(french.content)[0]["group"] == "Rues et trottoirs"
    assert json.loads(english.content)[0]["group"] == "Streets"
    assert french["ETag"] != english["ETag"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_submission_shows_at_once_under_a_new_etag(
    centre: Client, file_request: Any, citizen: Any, fmt: str
) -> None:
    first = file_request(citizen)
    before = centre.get(f"{BASE}/requests.{fmt}")
    assert ids(before, fmt) == [first.reference]

    second = file_request(citizen)
    after = centre.get(f"{BASE}/requests.{fmt}", headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert ids(after, fmt) == [second.reference, first.reference]


def test_a_transition_shows_at_once(
    centre: Client, file_request: Any, citizen: Any, luc_moves: Any
) -> None:
    sr = file_request(citizen)
    before = centre.get(f"{BASE}/requests/{sr.reference}.json")
    assert parsed(before, "json")[0]["status"] == "open"

    luc_moves(sr, "resolue")
    after = centre.get(
        f"{BASE}/requests/{sr.reference}.json", headers={"If-None-Match": before["ETag"]}
    )
    assert after.status_code == 200
    assert parsed(after, "json")[0]["status"] == "closed"


def test_a_bulk_update_as_redaction_and_merge_do_shows_at_once(
    centre: Client, file_request: Any, citizen: Any
) -> None:
    sr = file_request(citizen)
    before = parsed(centre.get(f"{BASE}/requests.json"), "json")[0]
    # The privacy app's erasure and the merge write with QuerySet.update(): no signal.
    ServiceRequest.objects.filter(pk=sr.pk).update(latitude=46.06, longitude=-71.96)
    after = parsed(centre.get(f"{BASE}/requests.json"), "json")[0]
    assert (after["lat"], after["long"]) != (before["lat"], before["long"])
    assert after["lat"] == pytest.approx(46.06)


def test_an_erased_account_s_requests_are_refreshed(
    centre: Client, file_request: Any, citizen: Any
) -> None:
    from victo_crm.privacy.services import account_delete

    sr = file_request(citizen)
    centre.get(f"{BASE}/requests.json")
    key_before = cache.get("generation:public-requests")
    account_delete(user=citizen, password="correct horse battery")
    assert cache.get("generation:public-requests") != key_before
    assert ids(centre.get(f"{BASE}/requests.json")) == [sr.reference]


def test_a_deletion_and_an_unpublished_type_leave_the_feed_at_once(
    centre: Client,
    file_request: Any,
    citizen: Any,
    request_type: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    kept, deleted = file_request(citizen), file_request(citizen)
    assert len(ids(centre.get(f"{BASE}/requests.json"))) == 2
    deleted.delete()
    assert ids(centre.get(f"{BASE}/requests.json")) == [kept.reference]

    with django_capture_on_commit_callbacks(execute=True):  # the configuration's bump
        request_type.public_visibility = "hidden"
        request_type.save()
    assert ids(centre.get(f"{BASE}/requests.json")) == []
    assert centre.get(f"{BASE}/requests/{kept.reference}.json").status_code == 404


def test_an_unreachable_cache_answers_uncached_with_validators(
    centre: Client, file_request: Any, citizen: Any, monkeypatch: Any
) -> None:
    sr = file_request(citizen)

    def down(*_args: Any, **_kwargs: Any) -> Any:
        raise ConnectionError("Redis is down")

    # The answers and the feed's generation are out of reach (the configuration's own
    # generation falls back by core's rules, not tested here).
    monkeypatch.setattr(open311_cache, "cache", SimpleNamespace(get=down, set=down))
    monkeypatch.setattr(config_cache, "named_generation", down)
    first = centre.get(f"{BASE}/requests.json")
    assert ids(first) == [sr.reference]
    assert first[CACHE_HEADER] == "miss"
    assert (
        centre.get(f"{BASE}/requests.json", headers={"If-None-Match": first["ETag"]}).status_code
        == 304
    )


def test_errors_and_posts_are_never_cached(centre: Client, partner_key: str) -> None:
    assert centre.get(f"{BASE}/requests.json?status=perdu").status_code == 400
    assert CACHE_HEADER not in centre.get(f"{BASE}/requests.json?status=perdu")
    assert centre.get(f"{BASE}/services/inconnu.json").status_code == 404
