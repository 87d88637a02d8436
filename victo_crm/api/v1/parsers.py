"""DRF's parsers with the input boundary's cleaning (``core.boundary``): the middleware cleans
JSON bodies before any view, but leaves the multipart stream of a CSRF-exempt view alone, so
form fields are cleaned here, where DRF reads them."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from victo_crm.core.boundary import clean_data, clean_querydict


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return clean_data(super().parse(stream, media_type, parser_context))
        except RecursionError as error:  # the middleware's depth check should come first
            raise ParseError() from error


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return clean_querydict(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        result = super().parse(stream, media_type, parser_context)
        return parsers.DataAndFiles(clean_querydict(result.data), result.files)
