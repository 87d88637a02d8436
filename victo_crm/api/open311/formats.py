"""GeoReport v2 documents in XML and JSON, from the same Python values.

The XML shape follows the specification's examples: a plural root (``services``,
``service_requests``…) holding one element per item, booleans as ``true``/``false``, absent
values as empty elements.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
CONTENT_TYPES = {
    "xml": "application/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}

# The element name of an item of each list, by the name of the list.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def w3c(value: dt.datetime | None) -> str | None:
    """A W3C datetime with its offset, in the town's time zone: 2026-04-14T06:37:38-04:00."""
    if value is None:
        return None
    return value.astimezone(timezone.get_current_timezone()).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    _fill(element, tag, value)


def _fill(element: ET.Element, tag: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list | tuple):
        child_tag = ITEM_TAGS.get(tag, "item")
        for item in value:
            _append(element, child_tag, item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> str:
    element = ET.Element(root)
    _fill(element, root, value)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def render(value: Any, *, fmt: str, root: str, status: int = 200) -> HttpResponse:
    body = to_xml(root, value) if fmt == "xml" else json.dumps(value, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(errors: list[str], *, fmt: str, status: int) -> HttpResponse:
    """The specification's error array: one ``{code, description}`` per problem."""
    items = [{"code": status, "description": str(message)} for message in errors]
    return render(items, fmt=fmt, root="errors", status=status)
