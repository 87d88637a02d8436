"""With a real Redis broker, a real Celery worker and a real SMTP server (aiosmtpd).

The worker is another process: it needs a shared database (PostgreSQL) and sees only what
the test committed, hence ``transactional_db``.
"""

from __future__ import annotations

import time

import pytest

from tests.conftest import make_user
from victo_crm.notifications.models import Notification
from victo_crm.service_requests.models import RequestFollower
from victo_crm.service_requests.services import service_request_transition

from .conftest import Worker, worker_env
from .helpers import submit, transition

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_a_transition_delivers_exactly_the_emails_its_rules_call_for_in_each_language(
    rules, seeded, town, teams, request_type, smtp_sink, broker_for_this_process, tmp_path
):
    sink, port = smtp_sink
    worker = Worker(
        worker_env(broker=broker_for_this_process.url, smtp_port=port),
        tmp_path / "worker.log",
        beat=False,
        concurrency=1,
    )
    worker.start()
    try:
        marie = make_user("marie@example.ca", first_name="Marie", last_name="Tremblay")
        jean = make_user("jean@example.ca", preferred_language="en")
        from victo_crm.accounts import roles

        agent = make_user("agent@victoriaville.ca", role=roles.AGENT, teams=(teams["tp"],))
        request = submit(request_type, citizen=marie)
        RequestFollower.objects.create(request=request, user=jean)
        assert sink.wait_for(1, 60) == 1  # the receipt, to Marie only

        service_request_transition(
            request=request, transition=transition("recue", "assignee"), actor=agent
        )
        # Two e-mails: Marie in French and Jean (a follower) in English; nothing else.
        assert sink.wait_for(3, 60) == 3
        time.sleep(2)  # anything extra would have arrived by now
        assert sink.count() == 3
        by_recipient = {m["To"]: m for m in sink.messages[1:]}
        assert set(by_recipient) == {"marie@example.ca", "jean@example.ca"}
        french, english = by_recipient["marie@example.ca"], by_recipient["jean@example.ca"]
        assert french["Subject"] == f"Votre requête {request.reference}\u00a0: Prise en charge"
        # The follower's own message: the state, nothing of Marie.
        assert english["Subject"] == f"Request you follow {request.reference}: Taken in charge"
        assert french["Content-Language"] == "fr" and english["Content-Language"] == "en"
        english_text = english.get_body(("plain",)).get_content()
        english_html = english.get_body(("html",)).get_content()
        assert "is now: Taken in charge" in english_text and '<html lang="en">' in english_html
        assert "Marie" not in english_text and "Tremblay" not in english_html
        assert "/alertes/desabonnement/" in english_text
        assert wait_until(
            lambda: set(Notification.objects.values_list("status", flat=True)) == {"sent"}, 30
        )
    finally:
        worker.kill()
