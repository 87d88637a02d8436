"""Configuration kept in memory between changes (core.config_cache): a submission reads its
type, fields, zones and rules without a query, and never an administrator's stale or
rolled-back configuration."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from victo_crm.core import config_cache
from victo_crm.core.models import Generation
from victo_crm.places.selectors import all_zones
from victo_crm.service_requests.configuration import catalogue
from victo_crm.service_requests.models import RequestType


def another_process_changed_the_configuration() -> None:
    """What another process's change leaves: a higher number in the database and in the
    shared copy."""
    with transaction.atomic():
        value = config_cache._bump_in_database()
    cache.set(config_cache.GENERATION_KEY, value)


def test_a_second_read_costs_no_query(
    seeded: Any, request_type: Any, town: Any, django_assert_num_queries: Any
):
    assert catalogue().by_code["nid-de-poule"].pk == request_type.pk
    all_zones()

    with django_assert_num_queries(0):
        assert catalogue().by_code["nid-de-poule"].pk == request_type.pk
        assert {zone.code for zone in all_zones()} >= {"victoriaville", "ouest"}


def test_a_committed_change_is_read_at_once(seeded: Any, request_type: Any):
    assert catalogue().by_code["nid-de-poule"].sla_hours != 7

    request_type.sla_hours = 7
    request_type.save()

    assert catalogue().by_code["nid-de-poule"].sla_hours == 7


def test_another_process_s_change_is_read_once_the_generation_moves(seeded: Any, request_type: Any):
    """Another process changed the type and bumped the shared generation: this process's
    copy is rebuilt on its next read."""
    before = catalogue()
    RequestType.objects.filter(pk=request_type.pk).update(sla_hours=99)  # no signal here
    assert catalogue() is before  # same generation: the copy is kept

    another_process_changed_the_configuration()

    assert catalogue().by_code["nid-de-poule"].sla_hours == 99


def test_a_rolled_back_change_is_never_kept(seeded: Any, request_type: Any):
    original = catalogue().by_code["nid-de-poule"].sla_hours

    with pytest.raises(RuntimeError), transaction.atomic():
        request_type.sla_hours = 1234
        request_type.save()
        # Inside the changing transaction the change is visible, but not kept.
        assert catalogue().by_code["nid-de-poule"].sla_hours == 1234
        raise RuntimeError("rolled back")

    assert catalogue().by_code["nid-de-poule"].sla_hours == original


def test_the_number_lives_in_the_database_and_the_cache_only_copies_it(
    seeded: Any, request_type: Any
):
    """A flushed (or restarted) Redis, or a bump made while it was unreachable, is caught up
    from PostgreSQL once the copy is gone."""
    before = catalogue()
    old = config_cache.generation()
    cache.clear()
    assert config_cache.generation() == old
    assert catalogue() is before  # same number: nothing to rebuild

    RequestType.objects.filter(pk=request_type.pk).update(sla_hours=98)
    Generation.objects.filter(name=config_cache.GENERATION).update(value=old + 5)
    assert catalogue() is before  # the copy still says ``old``...
    cache.delete(config_cache.GENERATION_KEY)  # ...until it expires
    assert config_cache.generation() == old + 5
    assert catalogue().by_code["nid-de-poule"].sla_hours == 98


def test_an_http_request_reads_the_generation_once(
    seeded: Any, request_type: Any, monkeypatch: pytest.MonkeyPatch
):
    """Inside a request the number is read once, however often the configuration is
    consulted; the next request reads it again (another process's change is seen)."""
    from django.core.signals import request_finished, request_started

    reads: list[int] = []
    real = config_cache._read_generation

    def counted() -> int:
        reads.append(1)
        return real()

    monkeypatch.setattr(config_cache, "_read_generation", counted)
    request_started.send(sender=None)
    try:
        first = catalogue()
        catalogue()
        all_zones()
        assert len(reads) == 1
    finally:
        request_finished.send(sender=None)

    another_process_changed_the_configuration()
    request_started.send(sender=None)
    try:
        assert catalogue() is not first
        assert len(reads) == 2
    finally:
        request_finished.send(sender=None)


def test_a_change_inside_a_request_is_read_in_that_request(seeded: Any, request_type: Any):
    from django.core.signals import request_finished, request_started

    request_started.send(sender=None)
    try:
        assert catalogue().by_code["nid-de-poule"].sla_hours != 11
        request_type.sla_hours = 11
        request_type.save()
        assert catalogue().by_code["nid-de-poule"].sla_hours == 11
    finally:
        request_finished.send(sender=None)
    assert catalogue().by_code["nid-de-poule"].sla_hours == 11


def test_the_changing_transaction_keeps_what_it_builds_until_its_next_change(
    seeded: Any, request_type: Any, django_assert_num_queries: Any
):
    """A long transaction that changed the configuration (load_demo: the catalogue, then
    hundreds of requests) builds it once per change for its own reads; it sees each change,
    and nothing it built outlives it or a rolled-back savepoint."""
    original = catalogue().by_code["nid-de-poule"].sla_hours

    with pytest.raises(RuntimeError), transaction.atomic():
        request_type.sla_hours = 1234
        request_type.save()
        first = catalogue()
        assert first.by_code["nid-de-poule"].sla_hours == 1234
        with django_assert_num_queries(0):
            assert catalogue() is first

        request_type.sla_hours = 4321
        request_type.save()
        assert catalogue().by_code["nid-de-poule"].sla_hours == 4321

        # A change undone with its savepoint takes what was built after it along.
        with pytest.raises(ValueError), transaction.atomic():
            request_type.sla_hours = 5
            request_type.save()
            assert catalogue().by_code["nid-de-poule"].sla_hours == 5
            raise ValueError("savepoint rolled back")
        assert catalogue().by_code["nid-de-poule"].sla_hours == 4321
        raise RuntimeError("rolled back")

    assert catalogue().by_code["nid-de-poule"].sla_hours == original
    assert config_cache._own_copies() is None


def test_a_feed_reads_both_numbers_together_and_agrees_with_each_alone(
    seeded: Any, request_type: Any
):
    """``generations_with`` (Open311's cached answers): the configuration's number and the
    feed's, as ``generation`` and ``named_generation`` give them, on a cold cache, after a
    change of either, and inside a request that already read the configuration's."""
    from django.core.signals import request_finished, request_started

    name = "test-feed"
    cache.clear()
    first = config_cache.generations_with(name)
    assert first == (config_cache.generation(), config_cache.named_generation(name))

    config_cache.named_changed(name)
    another_process_changed_the_configuration()
    second = config_cache.generations_with(name)
    assert second == (config_cache.generation(), config_cache.named_generation(name))
    assert second[0] > first[0] and second[1] != first[1]

    request_started.send(sender=None)
    try:
        catalogue()  # reads the configuration's number for this request
        assert config_cache.generations_with(name) == second
        another_process_changed_the_configuration()
        assert config_cache.generations_with(name) == second  # one number per request
    finally:
        request_finished.send(sender=None)
    assert config_cache.generations_with(name)[0] == second[0] + 1
