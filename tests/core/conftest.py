"""Fixtures the resilience tests share with the notification tests: an SMTP sink."""

from tests.notifications.conftest import smtp_sink  # noqa: F401
