"""Prometheus metrics (prometheus_client), served at ``/metrics`` to a scraper with the token.

Two kinds of figures:

- counted where they happen (HTTP requests by route, submissions, deliveries): prometheus_client
  counters and histograms. Under gunicorn and Celery, several processes count: with
  ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn.conf.py and the Procfile set it for the web and
  the worker), each process writes its counts to files in that directory and a scrape adds
  them up, whichever process answers it;
- read at scrape time from their source (outbox backlog and age, overdue requests, SLA breaches,
  Celery queue lengths): the apps register a function with ``on_scrape``; each runs a few
  indexed queries, so any web process gives the same answer.

``/metrics`` answers 404 unless ``VICTO_METRICS_TOKEN`` is set, and then only to
``Authorization: Bearer <token>``: it tells how busy the town's services are, which is nobody
else's business (docs/operations.md, "Metrics").
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "victo_http_requests",
    "HTTP requests answered, by route (the URL pattern), method and status code.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "victo_http_request_duration_seconds",
    "Time from the first middleware to the response, by route and method.",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

Scrape = Callable[[], Iterable[Metric]]
_on_scrape: list[Scrape] = []


def on_scrape(function: Scrape) -> Scrape:
    """Register a function giving metric families read at scrape time (from the database)."""
    if function not in _on_scrape:
        _on_scrape.append(function)
    return function


class _ScrapeCollector:
    def collect(self) -> Iterable[Metric]:
        for function in _on_scrape:
            try:
                yield from function()
            except Exception:  # one source down must not hide the others
                logger.warning("metrics: %s failed", function.__qualname__, exc_info=True)


_scrape_registry = CollectorRegistry(auto_describe=False)
_scrape_registry.register(_ScrapeCollector())


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def exposition() -> bytes:
    """Everything, in the Prometheus text format."""
    path = multiprocess_dir()
    if path and Path(path).is_dir():
        counted = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(counted, path=path)
    else:
        counted = REGISTRY
    return generate_latest(counted) + generate_latest(_scrape_registry)


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.VICTO_METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts and times every request, labelled by its URL pattern (never the path itself:
    a path carries ids and tokens, and would make a series per request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            match = getattr(request, "resolver_match", None)
            route = (getattr(match, "route", "") or "<unmatched>") if match else "<unmatched>"
            method = request.method if request.method in _METHODS else "other"
            HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
            HTTP_LATENCY.labels(route=route, method=method).observe(time.perf_counter() - started)


@on_scrape
def celery_queues() -> Iterable[Metric]:
    """Messages waiting in each Celery queue of a Redis broker (LLEN; one round trip)."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith(("redis://", "rediss://")):
        return []
    import redis

    queues = ["celery", *getattr(settings, "VICTO_METRICS_CELERY_QUEUES", [])]
    client: Any = redis.Redis.from_url(broker, socket_timeout=2, socket_connect_timeout=2)
    try:
        pipe = client.pipeline(transaction=False)
        for name in queues:
            pipe.llen(name)
        lengths = pipe.execute()
    finally:
        client.close()
    family = GaugeMetricFamily(
        "victo_celery_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"]
    )
    for name, length in zip(queues, lengths, strict=True):
        family.add_metric([name], int(length))
    return [family]
