"""The request-type catalogue as the app reads it: groups, types and their field definitions.

Built once per language with the ETag of each document and kept in each process by the one
cache scheme (``core.config_cache.memoized``): any change to a type, a field or a group bumps
the configuration's generation, and every process builds it again at its next read.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils import translation

from victo_crm.core.config_cache import memoized
from victo_crm.service_requests.models import RequestGroup, RequestType

from .serializers import CatalogueGroupSerializer, CatalogueTypeSerializer

LANGUAGES = ("fr", "en")


def etag_of(document: Any) -> str:
    body = json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _build() -> dict[str, Any]:
    rtypes = list(
        RequestType.objects.filter(is_active=True)
        .select_related("group")
        .prefetch_related("fields")
        .order_by("group__order", "group__name_fr", "order", "name_fr")
    )
    # Plain lists and dicts (a JSON round trip): what the cache keeps and the ETag hashes.
    types = json.loads(json.dumps(CatalogueTypeSerializer(rtypes, many=True).data))
    groups = list(RequestGroup.objects.order_by("order", "name_fr"))
    for group in groups:
        group.type_codes = [rtype.code for rtype in rtypes if rtype.group_id == group.pk]  # type: ignore[attr-defined]
    group_documents = json.loads(
        json.dumps(
            CatalogueGroupSerializer(
                [group for group in groups if group.type_codes],  # type: ignore[attr-defined]
                many=True,
            ).data
        )
    )
    return {
        "types": types,
        "types_etag": etag_of(types),
        "by_code": {t["code"]: (t, etag_of(t)) for t in types},
        "groups": group_documents,
        "groups_etag": etag_of(group_documents),
    }


def catalogue() -> dict[str, Any]:
    language = (translation.get_language() or "fr")[:2]
    language = language if language in LANGUAGES else "fr"
    return memoized(f"api:v1:catalogue:{language}", _build)
