"""The demonstration catalogue of request types for the Ville de Victoriaville.

The catalogue is data (``data/demo_catalogue.json``): administrators edit the same things in
the admin, so this module only gives a fresh installation something realistic to show.
Loading is idempotent (rows are matched by code), so it can be run again after the data
changes. In the file, keywords list what citizens actually type: without accents, misspelt,
in English, and with a straight apostrophe beside the typographic one (search folds
accents, not quotes); a type without ``public_visibility`` publishes nothing, and a
``sensitive`` one (a neighbour, noise, parking) is never published and its positions are
coarsened; a field's ``choices`` are ``[code, libellé français, English label]``.

``data/demo_texts.json`` holds what the demo history (``desk.demo``) and the benchmarks'
load generator (``bench/loadgen``) write in requests: names, descriptions by type,
replies, notes and comments, so both describe the same town.
"""

from __future__ import annotations

import bisect
import json
import random
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from victo_crm.accounts.demo import load_demo_teams
from victo_crm.service_requests.models import (
    FieldDatatype,
    Priority,
    PublicVisibility,
    RequestGroup,
    RequestType,
    RequestTypeField,
    Workflow,
)

DEFAULT_WORKFLOW = "default"
CATALOGUE_FILE = Path(__file__).parent / "data" / "demo_catalogue.json"
TEXTS_FILE = Path(__file__).parent / "data" / "demo_texts.json"


@cache
def demo_catalogue() -> dict[str, Any]:
    """The file's groups and request types, as written."""
    return json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))


@cache
def demo_texts() -> dict[str, Any]:
    """The file's texts: each list as a tuple (``first_names`` joins the two lists of first
    names), ``descriptions`` and ``comments`` by request type or state code."""
    data = json.loads(TEXTS_FILE.read_text(encoding="utf-8"))
    texts: dict[str, Any] = {
        key: {code: tuple(items) for code, items in value.items()}
        if isinstance(value, dict)
        else tuple(value)
        for key, value in data.items()
    }
    texts["first_names"] = texts["first_names_f"] + texts["first_names_m"]
    return texts


def fold_name(text: str) -> str:
    """A name as it appears in a made-up e-mail address: ``Marie-Ève`` → ``marie-eve``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return "".join(c for c in plain.replace(" ", "-") if c.isalnum() or c == "-")


FieldMaker = Callable[[random.Random, int], Any]


def field_value_maker(code: str, datatype: str, choices: Sequence[str], tz: ZoneInfo) -> FieldMaker:
    """A function giving a plausible stored value of one custom field, from a random
    generator and the moment of the request (a POSIX timestamp)."""
    short, long = demo_texts()["short_texts"], demo_texts()["long_texts"]
    if datatype == FieldDatatype.SINGLE:
        # The first choices of a list are usually the common ones.
        cum = [sum(range(len(choices), len(choices) - i - 1, -1)) for i in range(len(choices))]
        return lambda rng, _t: _weighted(rng, choices, cum)
    if datatype == FieldDatatype.MULTI:

        def multi(rng: random.Random, _t: int) -> list[str]:
            count = min(len(choices), 1 if rng.random() < 0.7 else rng.randint(2, 3))
            return rng.sample(list(choices), count)

        return multi
    if datatype == FieldDatatype.NUMBER:
        if code.startswith("nombre"):
            return lambda rng, _t: _weighted(rng, (1, 2, 3, 4, 5), (50, 75, 87, 95, 100))
        return lambda rng, _t: rng.randint(1, 10)
    if datatype == FieldDatatype.DATE:
        if "travaux" in code:  # a planned date: after the question
            return lambda rng, t: _local_date(t + rng.randint(7, 90) * 86400, tz)
        return lambda rng, t: _local_date(t - rng.randint(0, 14) * 86400, tz)
    if datatype == FieldDatatype.DATETIME:
        return lambda rng, t: (
            datetime.fromtimestamp(t - rng.randint(600, 48 * 3600), tz)
            .replace(second=0)
            .isoformat()
        )
    if datatype == FieldDatatype.TEXT:
        return lambda rng, _t: rng.choice(long)
    if "poteau" in code:
        return lambda rng, _t: str(rng.randint(1000, 99999))
    if "immatriculation" in code:
        letters = "ABCDEFGHJKLMNPRSTVWXYZ"
        return lambda rng, _t: ("".join(rng.choices(letters, k=3)) + f" {rng.randint(0, 9999):04d}")
    if "serie" in code:
        return lambda rng, _t: str(rng.randint(1_000_000, 9_999_999))
    return lambda rng, _t: rng.choice(short)


def _weighted(rng: random.Random, items: Sequence[Any], cum: Sequence[float]) -> Any:
    """One item by cumulative weights, like rng.choices(k=1) without building a list."""
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


def _local_date(epoch: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(epoch, tz).date().isoformat()


@transaction.atomic
def load_demo_catalogue() -> dict[str, RequestType]:
    """Create or update the demo groups, types and fields; return the types by code.

    Every row is validated with ``full_clean()`` so that a mistake in the data fails loudly
    instead of reaching citizens. Fields of a demo type that are no longer in its definition
    are removed (values already submitted stay in the requests' JSON).
    """
    data = demo_catalogue()
    workflow = Workflow.objects.get(code=DEFAULT_WORKFLOW)
    teams = load_demo_teams()

    groups: dict[str, RequestGroup] = {}
    for order, group_def in enumerate(data["groups"], 1):
        group, _created = RequestGroup.objects.update_or_create(
            code=group_def["code"],
            defaults={
                "name_fr": group_def["name_fr"],
                "name_en": group_def["name_en"],
                "order": order,
            },
        )
        group.full_clean()
        groups[group.code] = group

    types: dict[str, RequestType] = {}
    order_in_group: dict[str, int] = {}
    for type_def in data["request_types"]:
        order_in_group[type_def["group"]] = order_in_group.get(type_def["group"], 0) + 1
        priority = type_def.get("default_priority", "normal")
        request_type, _created = RequestType.objects.update_or_create(
            code=type_def["code"],
            defaults={
                **{
                    name: type_def[name]
                    for name in ("name_fr", "name_en", "description_fr", "description_en")
                },
                "group": groups[type_def["group"]],
                "keywords": type_def["keywords"],
                "team": teams[type_def["team"]],
                "workflow": workflow,
                "sla_hours": type_def["sla_hours"],
                "default_priority": Priority[priority.upper()],
                "location_required": type_def.get("location_required", True),
                "location_allowed": type_def.get("location_allowed", True),
                "photos_allowed": type_def.get("photos_allowed", True),
                "public_visibility": type_def.get("public_visibility", PublicVisibility.HIDDEN),
                "is_sensitive": type_def.get("sensitive", False),
                "is_active": True,
                "order": order_in_group[type_def["group"]],
            },
        )
        request_type.full_clean()
        _load_fields(request_type, type_def["fields"])
        types[request_type.code] = request_type
    return types


def _load_fields(request_type: RequestType, field_defs: list[dict[str, Any]]) -> None:
    for order, field_def in enumerate(field_defs, 1):
        field, _created = RequestTypeField.objects.update_or_create(
            request_type=request_type,
            code=field_def["code"],
            defaults={
                "label_fr": field_def["label_fr"],
                "label_en": field_def["label_en"],
                "help_fr": field_def.get("help_fr", ""),
                "help_en": field_def.get("help_en", ""),
                "datatype": field_def["datatype"],
                "required": field_def.get("required", False),
                "order": order,
                # The admin's format: one ``code | libellé français | English label`` per line.
                "choices": "\n".join(" | ".join(choice) for choice in field_def.get("choices", [])),
            },
        )
        field.full_clean()
    request_type.fields.exclude(code__in=[field_def["code"] for field_def in field_defs]).delete()
