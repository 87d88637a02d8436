"""Submissions in Prometheus's terms (core/metrics.py)."""

from prometheus_client import Counter

SUBMISSIONS = Counter(
    "victo_submissions",
    "Requests submitted, by channel (web, mobile, open311, phone, counter), counted when the "
    "submission commits.",
    ["channel"],
)
