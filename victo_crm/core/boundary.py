"""The input boundary: what no view of any face has to think about again.

- A path carrying a control character (a NUL, a line feed, a tab…), or a query string
  carrying one other than tab, line feed and carriage return, is refused with a translated
  400: no address of ours contains one, and the database, the XML writer or a spreadsheet
  would choke on it further in.
- A JSON body nested deeper than ``VICTO_MAX_JSON_DEPTH`` is refused with a 400 before any
  parser recurses into it (Python's parser raises RecursionError past about a thousand).
- In form fields and JSON strings, control characters other than tab, line feed and carriage
  return are removed, and so are lone surrogates (``"\\ud800"`` in JSON), so no stored text
  can break an output format (XML 1.0, xlsx, PostgreSQL's UTF-8). Removing rather than
  refusing: a vertical tab pasted from a word processor must not cost a citizen their text.

Errors are rendered in the caller's format: a face above ``core`` registers a renderer for
its path prefix (the API answers problem+json, Open311 its error array); other paths get the
``400.html`` page.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.http.request import RawPostDataException
from django.template import loader
from django.utils.translation import gettext as _

# C0 controls but tab, LF and CR; DEL; lone UTF-16 surrogates; the two non-characters XML 1.0
# forbids.
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# A JSON escape of one of those (raw control characters are invalid JSON anyway).
UNSAFE_ESCAPE = re.compile(
    r"\\u(?:00[01][0-9a-fA-F]|007[fF]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF])"
)
# No address of ours holds any C0 control, tab and line breaks included (text may hold them,
# a path never: a line break there could only end up in a log line or a header).
UNSAFE_IN_PATH = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)

ErrorRenderer = Callable[[HttpRequest, int, str], HttpResponse]
_renderers: list[tuple[str, ErrorRenderer]] = []


def register_error_renderer(prefix: str, renderer: ErrorRenderer) -> None:
    """Render the boundary's errors under ``prefix`` in that face's own format."""
    _renderers[:] = [(p, r) for p, r in _renderers if p != prefix]
    _renderers.append((prefix, renderer))
    _renderers.sort(key=lambda item: -len(item[0]))


def clean_text(value: str) -> str:
    """``value`` without the characters no output format may carry."""
    return UNSAFE.sub("", value) if UNSAFE.search(value) else value


def clean_data(value: Any) -> Any:
    """Every string of a parsed JSON document cleaned, keys included."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_data(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): clean_data(item) for key, item in value.items()}
    return value


def clean_querydict(data: QueryDict) -> QueryDict:
    """``data`` with every key and value cleaned (``data`` itself when nothing changes)."""
    if not any(
        UNSAFE.search(key) or any(UNSAFE.search(value) for value in values)
        for key, values in data.lists()
    ):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(clean_text(key), [clean_text(value) for value in values])
    cleaned._mutable = False
    return cleaned


def json_too_deep(text: str, limit: int | None = None) -> bool:
    """True when arrays and objects nest deeper than ``limit`` (strings skipped)."""
    limit = settings.VICTO_MAX_JSON_DEPTH if limit is None else limit
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return True
        elif token in ("]", "}"):
            depth -= 1
    return False


def loads(text: str | bytes) -> Any:
    """``json.loads`` that raises ValueError, never RecursionError, on hostile nesting."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if json_too_deep(text):
        raise ValueError("JSON nested too deeply")
    return json.loads(text)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def bad_request(request: HttpRequest, detail: str) -> HttpResponse:
    for prefix, renderer in _renderers:
        if request.path_info.startswith(prefix):
            return renderer(request, 400, detail)
    template = loader.get_template("400.html")
    return HttpResponseBadRequest(template.render({"detail": detail}, request))


def busy(request: HttpRequest, detail: str, retry_after: int) -> HttpResponse:
    """A 503 in the caller's format, with the seconds to wait."""
    response: HttpResponse | None = None
    for prefix, renderer in _renderers:
        if request.path_info.startswith(prefix):
            response = renderer(request, 503, detail)
            break
    if response is None:
        template = loader.get_template("503.html")
        response = HttpResponse(template.render({"detail": detail}, request), status=503)
    response["Retry-After"] = str(retry_after)
    return response


class InputBoundaryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request)
        if refusal:
            return bad_request(request, refusal)
        return self.get_response(request)

    def refusal(self, request: HttpRequest) -> str:
        if UNSAFE_IN_PATH.search(request.path_info):
            return _("L’adresse demandée contient des caractères invalides.")
        for key, values in request.GET.lists():
            if UNSAFE.search(key) or any(UNSAFE.search(value) for value in values):
                return _("La recherche contient des caractères invalides.")
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return ""
        if _is_json(request.META.get("CONTENT_TYPE", "")):
            return self._json_body(request)
        return ""

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> None:
        """Clean the form fields of a CSRF-protected view: CsrfViewMiddleware (earlier) has
        read ``request.POST`` already, so reading it here costs nothing. A CSRF-exempt view
        (DRF, allauth headless, Open311) may want the raw multipart stream: DRF's parsers and
        Open311 clean with ``clean_querydict`` themselves."""
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            request._post = clean_querydict(request.POST)  # type: ignore[attr-defined]

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view that reads the raw body of a form already parsed (a JSON endpoint sent a
        multipart form) gets a 400, not a 500."""
        if isinstance(exception, RawPostDataException):
            return bad_request(request, _("Ce type de contenu n’est pas accepté à cette adresse."))
        return None

    def _json_body(self, request: HttpRequest) -> str:
        body = request.body  # Django bounds it (DATA_UPLOAD_MAX_MEMORY_SIZE)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return _("Le contenu JSON n’est pas encodé en UTF-8.")
        if json_too_deep(text):
            return _("Le contenu JSON est imbriqué trop profondément.")
        if not UNSAFE_ESCAPE.search(text):
            return ""
        try:
            data = json.loads(text)
        except ValueError:
            return ""  # the view's parser explains what is wrong
        cleaned = json.dumps(clean_data(data), ensure_ascii=False).encode()
        request._body = cleaned
        request._stream = io.BytesIO(cleaned)
        request.META["CONTENT_LENGTH"] = str(len(cleaned))
        return ""
