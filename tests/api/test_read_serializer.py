"""``ReadSerializer`` (api/v1/serializers.py) reads rows by a plan made once per serializer;
its output is DRF's in every case. The API's own outputs are compared with DRF's in every API
test (``_read_serializers_answer_as_drf`` in conftest.py); here, the cases where the plan hands
a row to DRF, which those outputs may not reach."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone, translation
from rest_framework import serializers

from victo_crm.api.v1.serializers import ReadSerializer


class Ref(ReadSerializer):
    code = serializers.CharField(read_only=True)


class Shape(ReadSerializer):
    name = serializers.CharField(read_only=True)
    team = serializers.CharField(read_only=True, source="owner.team")
    maybe = serializers.CharField(read_only=True, allow_null=True, source="owner.team")
    count = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=[("a", "A")], read_only=True)
    at = serializers.DateTimeField(read_only=True)
    ref = Ref(read_only=True)
    refs = Ref(many=True, read_only=True)
    label = serializers.SerializerMethodField()

    def get_label(self, row: Any) -> str:
        return f"{row['name']}!"


def drf(serializer: serializers.Serializer, instance: Any) -> Any:
    return serializers.Serializer.to_representation(serializer, instance)


def read(instance: Any) -> tuple[Any, Any]:
    serializer = Shape()
    return serializer.to_representation(instance), drf(serializer, instance)


ROW: dict[str, Any] = {
    "name": "Nid",
    "owner": SimpleNamespace(team="Travaux"),
    "count": "3",
    "kind": "a",
    "at": dt.datetime(2026, 12, 7, 15, 4, 5, 123456, tzinfo=dt.UTC),
    "ref": {"code": "x"},
    "refs": [{"code": "y"}, SimpleNamespace(code=4)],
}


def test_a_full_row_is_drfs(db: None) -> None:
    planned, expected = read(ROW)
    assert planned == expected
    assert planned["at"] == "2026-12-07T10:04:05.123456-05:00"  # Montréal's offset
    assert (
        planned["count"] == 3 and planned["label"] == "Nid!" and planned["refs"][1] == {"code": "4"}
    )


@pytest.mark.parametrize(
    "change",
    [
        {"owner": None},  # a step through None: DRF leaves "team" out, "maybe" is null
        {"owner": SimpleNamespace()},  # a missing attribute
        {"count": None, "ref": None, "at": None},
        {"owner": SimpleNamespace(team=lambda: "Parcs")},  # a callable source is called
        {"at": dt.datetime(2026, 12, 7, 15, 4, 5)},  # naive: made aware by the field
    ],
)
def test_rows_the_plan_leaves_to_drf_come_out_as_drfs(db: None, change: dict[str, Any]) -> None:
    planned, expected = read({**ROW, **change})
    assert planned == expected


def test_a_missing_key_is_left_out_as_drf_does() -> None:
    row = {key: value for key, value in ROW.items() if key != "count"}
    planned, expected = read(row)
    assert planned == expected and "count" not in planned


def test_a_related_object_that_does_not_exist_is_null_as_drf_does() -> None:
    class Missing:
        @property
        def team(self) -> str:
            raise ObjectDoesNotExist

    planned, expected = read({**ROW, "owner": Missing()})
    assert planned == expected and planned["team"] is None


def test_times_follow_the_current_time_zone_and_utc_is_z() -> None:
    with timezone.override(ZoneInfo("UTC")):
        planned, expected = read(ROW)
    assert planned == expected and planned["at"] == "2026-12-07T15:04:05.123456Z"
    with translation.override("en"), timezone.override(ZoneInfo("America/Vancouver")):
        planned, expected = read(ROW)
    assert planned == expected and planned["at"].endswith("-08:00")


def test_a_represented_object_stands_for_it_again_in_the_same_response(db: None) -> None:
    from victo_crm.api.v1.serializers import Represented, represented

    memo: dict[Any, Represented] = {}
    obj = SimpleNamespace(pk=7, code="nid")
    first = represented(Ref, obj, memo)
    assert first == drf(Ref(), obj) == {"code": "nid"}
    obj.code = "changé"  # the same object again in this response: made once
    assert represented(Ref, obj, memo) is first
    assert Ref().to_representation(first) is first
    assert represented(Ref, obj, {}) == {"code": "changé"}


def test_booleans_are_drfs() -> None:
    class Flags(ReadSerializer):
        flag = serializers.BooleanField(read_only=True)

    for value in (True, False, "true", "0", 1, 0, "yes", "autre"):
        serializer = Flags()
        assert serializer.to_representation({"flag": value}) == drf(serializer, {"flag": value})


class Timed(ReadSerializer):
    at = serializers.DateTimeField(read_only=True)
    refs = Ref(many=True, read_only=True)
    ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)


class Untyped(ReadSerializer):
    tags = serializers.ListField(read_only=True)
    extra = serializers.DictField(read_only=True)


UNTYPED = {"tags": ["a", 2], "extra": {"k": [1]}}


class Linked(ReadSerializer):
    """A shape with a field that reads the request (as a notice's URL does)."""

    code = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()

    def get_url(self, row: Any) -> str:
        return str(self.context["request"].build_absolute_uri(f"/{row['code']}/"))


def test_a_shape_that_reads_only_values_has_one_plan_per_time_zone_and_language() -> None:
    from victo_crm.api.v1 import serializers as api
    from victo_crm.api.v1.serializers import _context_free

    assert _context_free(Timed) and _context_free(Ref)
    # A list or an object declared without a child hands its values back as they are.
    assert _context_free(Untyped) and Untyped().to_representation(UNTYPED) == UNTYPED
    # The API's request shapes: the detail's photos carry their URL, its timeline the ids.
    assert _context_free(api.RequestDetailSerializer) and _context_free(api.RequestPageSerializer)
    row = {"at": ROW["at"], "refs": [{"code": "a"}], "ids": [3, 4]}
    with timezone.override(ZoneInfo("America/Toronto")):
        first, second = Timed(), Timed(context={"request": object()})
        assert first._plan is second._plan  # made once, shared by every instance
        assert first.to_representation(row) == drf(first, row)
        assert first.to_representation(row)["at"] == "2026-12-07T10:04:05.123456-05:00"
    with timezone.override(ZoneInfo("UTC")):
        other = Timed()
        assert other._plan is not first._plan  # another zone, another plan
        assert other.to_representation(row)["at"] == "2026-12-07T15:04:05.123456Z"
        assert other.to_representation(row) == drf(other, row)
    with translation.override("en"), timezone.override(ZoneInfo("America/Toronto")):
        assert Timed()._plan is not first._plan


def test_a_shape_that_reads_the_request_makes_its_plan_per_response() -> None:
    from victo_crm.api.v1.serializers import _context_free

    class Holder(ReadSerializer):
        linked = Linked(read_only=True)

    assert not _context_free(Linked) and not _context_free(Holder)
    rows = {"code": "nid"}
    for host in ("ville.test", "autre.test"):
        request = SimpleNamespace(
            build_absolute_uri=lambda path, host=host: f"https://{host}{path}"
        )
        serializer = Linked(context={"request": request})
        assert serializer.to_representation(rows) == {"code": "nid", "url": f"https://{host}/nid/"}
        nested = Holder(context={"request": request})
        assert nested.to_representation({"linked": rows})["linked"]["url"].startswith(
            f"https://{host}/"
        )
