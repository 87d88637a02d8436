"""The request-type catalogue as the app reads it: groups, types and their field definitions.

Built once per language and kept in the cache (Redis in production) with the ETag of each
document; any change to a type, a field or a group empties it (signals in ``apps.py``), and
the entries expire after ``TTL`` anyway, so a process with a local cache never serves a stale
catalogue for long.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.utils import translation

from victo_crm.service_requests.models import RequestGroup, RequestType

TTL = 300
LANGUAGES = ("fr", "en")


def _key(language: str) -> str:
    return f"api:v1:catalogue:{language}"


def etag_of(document: Any) -> str:
    body = json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _field(field: Any) -> dict[str, Any]:
    return {
        "code": field.code,
        "label": field.label,
        "help": field.help,
        "datatype": field.datatype,
        "required": field.required,
        "order": field.order,
        "choices": [
            {"code": code, "label": label_en if translation.get_language() == "en" else label_fr}
            for code, label_fr, label_en in field.parsed_choices()
        ]
        if field.is_list
        else [],
    }


def _type(rtype: RequestType) -> dict[str, Any]:
    return {
        "code": rtype.code,
        "name": rtype.name,
        "description": rtype.description,
        "group": rtype.group.code,
        "keywords": [word.strip() for word in rtype.keywords.split(",") if word.strip()],
        "sla_hours": rtype.sla_hours,
        "location_required": rtype.location_required,
        "location_allowed": rtype.location_allowed,
        "photos_allowed": rtype.photos_allowed,
        "fields": [
            _field(field) for field in sorted(rtype.fields.all(), key=lambda f: (f.order, f.pk))
        ],
    }


def _build() -> dict[str, Any]:
    types = [
        _type(rtype)
        for rtype in RequestType.objects.filter(is_active=True)
        .select_related("group")
        .prefetch_related("fields")
        .order_by("group__order", "group__name_fr", "order", "name_fr")
    ]
    groups = [
        {
            "code": group.code,
            "name": group.name,
            "types": [t["code"] for t in types if t["group"] == group.code],
        }
        for group in RequestGroup.objects.order_by("order", "name_fr")
    ]
    groups = [group for group in groups if group["types"]]
    return {
        "types": types,
        "types_etag": etag_of(types),
        "by_code": {t["code"]: (t, etag_of(t)) for t in types},
        "groups": groups,
        "groups_etag": etag_of(groups),
    }


def catalogue() -> dict[str, Any]:
    language = (translation.get_language() or "fr")[:2]
    language = language if language in LANGUAGES else "fr"
    found = cache.get(_key(language))
    if found is None:
        found = _build()
        cache.set(_key(language), found, TTL)
    return found


def catalogue_forget(**_kwargs: Any) -> None:
    cache.delete_many([_key(language) for language in LANGUAGES])
