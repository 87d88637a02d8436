"""Writing and delivering the outbox.

Rows are written inside the transaction of the event that causes them, so a notification
exists if and only if its event does (DESIGN invariants 1 and 3). Delivery is queued on
commit, by id. A worker claims a row with a conditional UPDATE (pending → sending) before
it sends, so two workers, a retried task or the relay never send the same row twice; a
failure goes back to pending with a backoff, or to failed with its reason after
``VICTO_NOTIFICATION_MAX_ATTEMPTS``. The relay re-queues what a Redis or worker outage
left behind.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from victo_crm.core.errors import is_broker_error
from victo_crm.core.typography import french_spacing

from .bounces import sms_reports_attach
from .channels import DeliveryError, PermanentDeliveryError, SkipDeliveryError, get_channel
from .metrics import count_deliveries
from .models import Notification, NotificationChannel, NotificationRule, NotificationStatus
from .placeholders import (
    CITIZEN_PLACEHOLDERS,
    FOLLOWERS,
    PLACEHOLDERS,
    REQUESTER,
    follower_values,
    render,
    request_values,
)
from .preferences import PreferenceBook, held_for_quiet_hours
from .replies import reply_addresses_for, thread_id
from .selectors import rules_for_request

if TYPE_CHECKING:
    from victo_crm.accounts.models import User
    from victo_crm.service_requests.models import RequestEvent, ServiceRequest

logger = logging.getLogger(__name__)

REQUEST_TOPIC = "request_updates"
STAFF_TOPIC = "staff"  # work messages to staff: no citizen preference applies


# --- Writing the outbox -----------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    user_id: int | None
    email: str
    language: str
    staff: bool = False
    follower: bool = False  # told with the rule's follower message and values only

    @property
    def key(self) -> str:
        if self.user_id:
            return f"u{self.user_id}"
        return "e" + hashlib.sha256(self.email.lower().encode()).hexdigest()[:20]


def _language(value: str | None) -> str:
    return value if value in ("fr", "en") else "fr"


def rule_recipients(
    rule: NotificationRule,
    request: ServiceRequest,
    *,
    notify_citizen: bool = True,
    has_followers: bool = True,
) -> list[Recipient]:
    """The people a rule names for a request, each once. ``notify_citizen=False`` (a
    transition that does not tell the citizen) leaves out the requester and followers and
    keeps the staff: assignee, team and fixed addresses. ``has_followers=False``: a request
    just created, whose followers are not looked up, or an event followers are not told
    about (a reply to the requester). Followers come only with the rule's follower message
    (``NotificationRule.tells_followers``)."""
    found: list[Recipient] = []
    if rule.to_requester and notify_citizen:
        if request.citizen_id and request.citizen is not None:
            citizen = request.citizen
            found.append(
                Recipient(citizen.pk, citizen.email, _language(citizen.preferred_language))
            )
        elif request.contact_email:
            found.append(Recipient(None, request.contact_email, _language(request.language)))
    if rule.tells_followers and notify_citizen and has_followers:
        for user in (f.user for f in request.followers.select_related("user")):
            found.append(
                Recipient(user.pk, user.email, _language(user.preferred_language), follower=True)
            )
    if rule.to_assignee and request.assignee_id and request.assignee is not None:
        agent = request.assignee
        found.append(Recipient(agent.pk, agent.email, _language(agent.preferred_language), True))
    if rule.to_team:
        team = request.team
        if team.email:
            found.append(Recipient(None, team.email, "fr", True))
        else:
            for member in team.members.filter(is_active=True):
                found.append(
                    Recipient(member.pk, member.email, _language(member.preferred_language), True)
                )
    for email in rule.fixed_address_list():
        found.append(Recipient(None, email, "fr", True))
    unique: dict[str, Recipient] = {}
    for recipient in found:
        unique.setdefault(recipient.key, recipient)
    return list(unique.values())


def staff_link(request: ServiceRequest) -> str:
    from django.urls import NoReverseMatch, reverse

    for name, kwargs in (
        ("desk:request", {"reference": request.reference}),
        ("admin:service_requests_servicerequest_change", {"object_id": request.pk}),
    ):
        try:
            return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return settings.SITE_URL.rstrip("/")


def rule_message(
    rule: NotificationRule, values: dict[str, str], language: str, audience: str = REQUESTER
) -> tuple[str, str]:
    """(subject, body) of a rule in a language, for the requester and staff or for the
    followers (the rule's follower message); English falls back to French."""
    prefix = "follower_" if audience == FOLLOWERS else ""
    subject, body = (_words(rule, f"{prefix}{field}", language) for field in ("subject", "body"))
    return render(subject, values).replace("\n", " ").strip(), render(body, values).strip()


def _words(rule: NotificationRule, field: str, language: str) -> str:
    """A rule's words in a language; French ones with French typography (« … », a no-break
    space before : ; ? !) whoever typed them, applied to the template and not to the values
    put in it, so that a citizen's own words are sent as written."""
    english = getattr(rule, f"{field}_en", "") if language[:2] == "en" else ""
    return english or french_spacing(getattr(rule, f"{field}_fr", ""))


def followers_hear_of(kind: str, event: RequestEvent | None) -> bool:
    """Whether an event is news for the followers: a state change, a merge, a staff message
    published to them. Not a reply to the requester, nor the staff's SLA alerts."""
    from .models import RuleEvent

    if event is None:
        return False
    if kind == RuleEvent.PUBLIC_REPLY:
        return bool(event.follower_message)
    return kind in (RuleEvent.STATE_CHANGED, RuleEvent.REQUEST_MERGED)


def outbox_for_request_event(
    *,
    event: RequestEvent,
    kind: str,
    notify_citizen: bool = True,
    request: ServiceRequest | None = None,
    new: bool = False,
) -> list[Notification]:
    """The rows the notification rules call for, for one event of a request.

    One row per person and channel: when two rules name the same person on the same
    channel, the first rule (by order) wins, so nobody hears twice about one event. A row
    that preferences or consents forbid is kept as "skipped" with the reason, so staff see
    why a citizen was not told. Replaying the same event is a no-op (the de-duplication key).
    ``notify_citizen=False``: the rules are evaluated for their staff recipients only.

    ``request``: the service passes the request it has just written in this transaction
    (a transition after its conditional update, a reply, a merge, the submission), with its
    type, state, team, citizen and assignee in hand, so it is not read again; a caller
    without it leaves it out and the request is read. ``new``: the submission's request
    and event were created in this transaction, so it has no follower to ask for and no
    row can hold the event's keys yet.
    """
    if request is None:
        request = (
            type(event.request)
            .objects.select_related(
                "request_type", "state", "team", "citizen", "assignee", "address"
            )
            .get(pk=event.request_id)
        )
    return outbox_for_request(
        request=request,
        kind=kind,
        key=f"{kind}:e{event.pk}",
        event=event,
        notify_citizen=notify_citizen,
        new=new,
    )


def outbox_for_request(
    *,
    request: ServiceRequest,
    kind: str,
    key: str,
    event: RequestEvent | None = None,
    notify_citizen: bool = True,
    new: bool = False,
) -> list[Notification]:
    """The rows the rules of ``kind`` call for about a request, keyed ``<key>:<person>:
    <channel>``. Events of a request pass their event; the SLA scan, which has no event
    row, passes a key made of the request and its due date. ``new``: the request and the
    event were created in this transaction (no follower yet, no row with these keys)."""
    rules = rules_for_request(event=kind, request=request)
    if not rules:
        return []
    tell_followers = not new and followers_hear_of(kind, event)
    plans: list[tuple[NotificationRule, Recipient, str]] = []
    for rule in rules:
        recipients = rule_recipients(
            rule, request, notify_citizen=notify_citizen, has_followers=tell_followers
        )
        for recipient in recipients:
            for channel in rule.channels:
                plans.append((rule, recipient, channel))
    book = PreferenceBook.load(
        (r.user_id for _, r, _ in plans if r.user_id), (r.email for _, r, _ in plans)
    )
    values_cache: dict[tuple[str, bool, bool], dict[str, str]] = {}
    rows: dict[str, Notification] = {}
    # Each person e-mailed about the request answers to an address of her own (replies.py).
    reply_to = reply_addresses_for(
        request,
        {
            (r.user_id, r.email)
            for _, r, c in plans
            if c == NotificationChannel.EMAIL and not r.staff  # staff answer in the desk
        },
    )
    thread = thread_id(request.public_id)
    for rule, recipient, channel in plans:
        row_key = f"{key}:{recipient.key}:{channel}"
        if row_key in rows:
            continue
        if recipient.user_id is None and channel != NotificationChannel.EMAIL:
            continue  # an address without an account only takes e-mail
        topic = STAFF_TOPIC if recipient.staff else REQUEST_TOPIC
        refusal = book.refusal(
            user_id=recipient.user_id, email=recipient.email, topic=topic, channel=channel
        )
        cache_key = (recipient.language, recipient.staff, recipient.follower)
        if cache_key not in values_cache:
            if recipient.follower:
                values = follower_values(request, event, recipient.language)
            else:
                values = request_values(request, event, recipient.language)
            if recipient.staff:
                values["link"] = staff_link(request)
            values_cache[cache_key] = values
        values = values_cache[cache_key]
        subject, body = rule_message(
            rule, values, recipient.language, FOLLOWERS if recipient.follower else REQUESTER
        )
        rows[row_key] = Notification(
            recipient_id=recipient.user_id,
            address=recipient.email if channel == NotificationChannel.EMAIL else "",
            channel=channel,
            language=recipient.language,
            kind=kind,
            request=request,
            event=event,
            rule=rule,
            topic=topic,
            subject=subject,
            body=body,
            link=values["link"],
            context=(
                {
                    "reference": request.reference,
                    "thread": thread,
                    "reply_to": reply_to.get(recipient.key, ""),
                }
                if channel == NotificationChannel.EMAIL
                else {"reference": request.reference}
            ),
            dedup_key=row_key,
            status=NotificationStatus.SKIPPED if refusal else NotificationStatus.PENDING,
            last_error=refusal,
        )
    return notifications_write(list(rows.values()), new_keys=new)


def notifications_write(
    rows: Sequence[Notification], *, new_keys: bool = False
) -> list[Notification]:
    """Insert rows whose key is new and queue the pending ones once the transaction commits.

    ``new_keys``: the caller knows no row can hold these keys (they name an event created in
    this transaction), so they are not looked up first; the unique key still guards them."""
    if not rows:
        return []
    now = timezone.now()
    existing: set[str] = set()
    if not new_keys:
        existing = set(
            Notification.objects.filter(dedup_key__in=[r.dedup_key for r in rows]).values_list(
                "dedup_key", flat=True
            )
        )
    fresh = [r for r in rows if r.dedup_key not in existing]
    for row in fresh:
        row.queued_at = now
    created = Notification.objects.bulk_create(fresh)
    queue_delivery([r.pk for r in created if r.status == NotificationStatus.PENDING])
    return created


ANSWER_TOPIC = "answers"  # automatic answers to someone who wrote to the town


def notification_answer(
    *,
    key: str,
    address: str,
    language: str,
    subject: str,
    body: str,
    recipient_id: int | None = None,
    request: ServiceRequest | None = None,
    link: str = "",
) -> Notification | None:
    """An automatic e-mail answer to someone who wrote to the town (a refused attachment, a
    reply address that no longer works), through the outbox like every message: sent once
    per ``key`` (``answer:<what it answers>``) however often the message is processed, with
    ``Auto-Submitted: auto-generated`` so that the other side's robots do not answer back.
    Returns the row, or None when one with that key exists."""
    row = Notification(
        recipient_id=recipient_id,
        address=address,
        channel=NotificationChannel.EMAIL,
        language=_language(language),
        kind="inbound_answer",
        request=request,
        topic=ANSWER_TOPIC,
        subject=subject[:255],
        body=body,
        link=link,
        context={"thread": thread_id(request.public_id)} if request is not None else {},
        dedup_key=f"answer:{key}"[:200],
    )
    created = notifications_write([row])
    return created[0] if created else None


# Columns a bulk writer (a notice's fan-out, collection reminders) fills; the others keep
# their defaults (NULL).
BULK_COLUMNS: dict[str, str] = {
    "recipient_id": "bigint",
    "address": "varchar",
    "channel": "varchar",
    "language": "varchar",
    "kind": "varchar",
    "topic": "varchar",
    "group_key": "varchar",
    "is_emergency": "boolean",
    "subject": "varchar",
    "body": "text",
    "link": "varchar",
    "context": "jsonb",
    "dedup_key": "varchar",
    "status": "varchar",
    "attempts": "smallint",
    "last_error": "text",
    "queued_at": "timestamptz",
    "sent_at": "timestamptz",
    "created_at": "timestamptz",
}


def outbox_row(**values: Any) -> dict[str, Any]:
    """A row for ``outbox_bulk_insert``, with the defaults of a pending row.

    An in-app row with ``delivered=True`` is written already sent: it is its own delivery
    (the inbox entry), and the bulk writers decide it in the transaction that checked the
    person's preferences, which is all delivery would check again.
    """
    now = values.pop("now", None) or timezone.now()
    delivered = values.pop("delivered", False)
    row: dict[str, Any] = {
        "recipient_id": None,
        "address": "",
        "language": "fr",
        "topic": REQUEST_TOPIC,
        "group_key": "",
        "is_emergency": False,
        "subject": "",
        "body": "",
        "link": "",
        "context": {},
        "status": NotificationStatus.PENDING.value,
        "attempts": 0,
        "last_error": "",
        "queued_at": now,
        "sent_at": None,
        "created_at": now,
    }
    row.update(values)
    if delivered:
        row.update(status=NotificationStatus.SENT.value, attempts=1, sent_at=now)
    return row


def outbox_bulk_insert(rows: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """Insert many outbox rows at once; a row whose ``dedup_key`` exists is left alone.

    Returns ``(id, status)`` of the rows actually inserted, so the caller queues exactly
    those. On PostgreSQL it is one ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING
    RETURNING`` per few thousand rows: building model instances for a 50,000-person notice
    would cost more than sending it.
    """
    from django.db import connection

    if not rows:
        return []
    columns = list(BULK_COLUMNS)
    inserted: list[tuple[int, str]] = []
    if connection.vendor == "postgresql":
        import json

        import psycopg

        table = connection.ops.quote_name(Notification._meta.db_table)
        names = ", ".join(columns)
        arrays = ", ".join(
            f"%b::text[]::{kind}[]" if kind == "jsonb" else f"%b::{kind}[]"
            for kind in BULK_COLUMNS.values()
        )
        sql = (
            f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) "  # noqa: S608 - names from the model
            "ON CONFLICT (dedup_key) DO NOTHING RETURNING id, status"
        )
        size = 5000
        connection.ensure_connection()
        # A cursor that sends the arrays as parameters (server-side binding): Django's own
        # cursor would quote every value of every array into the SQL text.
        with psycopg.Cursor(connection.connection) as cursor:
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                params = [
                    [json.dumps(r["context"]) for r in chunk]
                    if name == "context"
                    else [r[name] for r in chunk]
                    for name in columns
                ]
                cursor.execute(sql, params)
                inserted.extend((int(pk), str(status)) for pk, status in cursor.fetchall())
        return inserted
    # SQLite (the embedded setup): the ORM, keyed by what was not there before.
    keys = [r["dedup_key"] for r in rows]
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing.update(
            Notification.objects.filter(dedup_key__in=keys[start : start + 500]).values_list(
                "dedup_key", flat=True
            )
        )
    fresh: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["dedup_key"] not in existing:
            fresh.setdefault(row["dedup_key"], row)
    created = Notification.objects.bulk_create(
        [Notification(**row) for row in fresh.values()], batch_size=500
    )
    return [(r.pk, r.status) for r in created]


# --- Queueing ---------------------------------------------------------------------------------


def _publish(ids: list[int]) -> None:
    from .tasks import deliver_notifications

    size = settings.VICTO_DELIVERY_BATCH_SIZE
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        try:
            deliver_notifications.delay(chunk)
        except Exception as error:
            if settings.CELERY_TASK_ALWAYS_EAGER and not is_broker_error(error):
                raise
            # The rows are in the database: the relay queues them at its next round once the
            # broker is back (not ``VICTO_RELAY_AFTER_SECONDS`` later: they were never queued).
            logger.warning("could not queue %d notifications: %s", len(chunk), type(error).__name__)
            Notification.objects.filter(pk__in=chunk, status=NotificationStatus.PENDING).update(
                queued_at=None
            )


def queue_delivery(ids: Iterable[int]) -> None:
    """Queue delivery after the current transaction commits (at once outside of one)."""
    ids = [i for i in ids if i]
    if ids:
        transaction.on_commit(lambda: _publish(ids))


# --- Delivering -------------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    base = settings.VICTO_NOTIFICATION_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def _finish(pk: int, **changes: Any) -> None:
    Notification.objects.filter(pk=pk, status=NotificationStatus.SENDING).update(**changes)


@dataclass
class DeliveryReport:
    sent: int = 0
    skipped: int = 0
    held: int = 0
    retry: int = 0
    failed: int = 0

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "skipped", "held", "retry", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def notifications_deliver(*, ids: Sequence[int]) -> DeliveryReport:
    """Deliver the pending rows among ``ids``; anything else (already sent, claimed by
    another worker, not yet due) is left alone. Safe to call any number of times."""
    report = DeliveryReport()
    now = timezone.now()
    rows = list(
        Notification.objects.filter(pk__in=list(ids), status=NotificationStatus.PENDING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .select_related("recipient")
        .order_by("pk")
    )
    if not rows:
        return report
    book = PreferenceBook.load(
        (r.recipient_id for r in rows if r.recipient_id),
        (r.address or (r.recipient.email if r.recipient else "") for r in rows),
    )
    by_channel: dict[str, list[Notification]] = defaultdict(list)
    for row in rows:
        email = row.address or (row.recipient.email if row.recipient else "")
        refusal = book.refusal(
            user_id=row.recipient_id,
            email=email,
            topic=row.topic,
            channel=row.channel,
            is_emergency=row.is_emergency,
            subscribed=bool(row.group_key) and row.topic != REQUEST_TOPIC,
        )
        if refusal:
            skipped = Notification.objects.filter(
                pk=row.pk, status=NotificationStatus.PENDING
            ).update(status=NotificationStatus.SKIPPED, last_error=refusal)
            report.skipped += skipped
            count_deliveries(row.channel, DeliveryReport(skipped=skipped))
            continue
        hold = held_for_quiet_hours(row.channel, row.is_emergency, now)
        if hold is not None:
            # The relay picks it up when the quiet hours end.
            held = Notification.objects.filter(pk=row.pk, status=NotificationStatus.PENDING).update(
                not_before=hold, queued_at=None
            )
            report.held += held
            count_deliveries(row.channel, DeliveryReport(held=held))
            continue
        by_channel[row.channel].append(row)
    for channel, items in by_channel.items():
        if channel == NotificationChannel.IN_APP:
            part = _deliver_in_app(items)
        else:
            part = _deliver_one_by_one(channel, items)
        count_deliveries(channel, part)
        report.add(part)
    return report


def _deliver_in_app(items: list[Notification]) -> DeliveryReport:
    """Making an in-app row visible has no outside effect: one UPDATE claims and finishes
    the whole batch."""
    report = DeliveryReport()
    with_account = [r.pk for r in items if r.recipient_id]
    report.sent = Notification.objects.filter(
        pk__in=with_account, status=NotificationStatus.PENDING
    ).update(
        status=NotificationStatus.SENT,
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        last_error="",
    )
    return report


def _claim(items: list[Notification]) -> set[int]:
    """Claim a batch (pending → sending): the rows still pending are locked, skipping those
    another worker is claiming at that moment, then moved on. A row another worker claimed
    first, or finished, is not pending any more and is left out, so each row is sent by one
    worker only, however many tasks name it. (SQLite takes no row locks: its transactions
    write one at a time.)"""
    ids = [r.pk for r in items]
    if not ids:
        return set()
    with transaction.atomic():
        claimed = set(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, status=NotificationStatus.PENDING)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=claimed).update(
            status=NotificationStatus.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    return claimed


def _mark_sent(ids: list[int]) -> None:
    """Record successes in one UPDATE.

    On PostgreSQL the commit does not wait for the disk (``synchronous_commit = off`` for
    this statement's transaction only): a worker killed afterwards loses nothing, and a
    database crash in the next fraction of a second leaves the rows "sending", which the
    relay sends again — the same at-least-once window as a worker killed before this
    commit, and each e-mail keeps its Message-ID. Waiting for a disk flush per few messages
    would otherwise set the pace of a large notice.
    """
    from django.db import connection

    now = timezone.now()
    sent, sending = NotificationStatus.SENT.value, NotificationStatus.SENDING.value
    # Alone in its transaction only: inside a caller's, the setting would last until that
    # transaction's end and weaken its commit too.
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        table = connection.ops.quote_name(Notification._meta.db_table)
        with connection.cursor() as cursor:
            # One statement, so one round trip: ``set_config(…, true)`` lasts for the
            # statement's own (implicit) transaction, up to and including its commit.
            cursor.execute(
                f"UPDATE {table} SET status = %s, sent_at = %s, last_error = '' "  # noqa: S608 - the model's table
                "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed "
                "WHERE id = ANY(%s) AND status = %s",
                [sent, now, list(ids), sending],
            )
        return
    Notification.objects.filter(pk__in=list(ids), status=sending).update(
        status=sent, sent_at=now, last_error=""
    )


Outcome = Callable[[Notification, "Exception | None"], None]


def _send_lane(
    channel_name: str, rows: Sequence[Notification], outcome: Outcome, stop: Any = None
) -> None:
    """Send rows over one channel instance (one SMTP connection), reporting each outcome as
    ``(row, error or None)``. It touches no database itself: ``outcome`` records."""
    channel = get_channel(channel_name)
    try:
        channel.open()
    except DeliveryError as error:
        for row in rows:
            outcome(row, error)
        return
    try:
        for row in rows:
            if stop is not None and stop.is_set():
                return  # the batch was abandoned; these rows stay claimed for the relay
            try:
                channel.send(row)
            except Exception as error:  # recorded by the caller, never lost
                outcome(row, error)
            else:
                outcome(row, None)
    finally:
        channel.close()


def _email_lanes(count: int) -> int:
    """How many SMTP connections a batch of ``count`` e-mails uses at once. Parallel only
    with Django's SMTP backend, where the mail server's answers are the wait."""
    if not settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        return 1
    return max(1, min(int(settings.VICTO_EMAIL_CONNECTIONS), count))


def _deliver_one_by_one(channel_name: str, items: list[Notification]) -> DeliveryReport:
    """Claim the batch, send each row, and record successes every few messages.

    Recording each success in its own commit would cost a disk flush per message; grouping
    them (``VICTO_DELIVERY_MARK_EVERY``) means a worker killed mid-batch may send at most
    that many messages again after the relay frees its rows. Set it to 1 for the strictest
    behaviour.

    E-mails go out over up to ``VICTO_EMAIL_CONNECTIONS`` SMTP connections at once, one
    thread each, each with its share of the claimed rows: a mail server answers every
    command of every message, and waiting for those answers one message at a time would set
    the pace. The threads only send; this function alone writes to the database.
    """
    import queue
    import threading

    report = DeliveryReport()
    retry_ids: list[int] = []
    claimed = _claim(items)
    if not claimed:
        return report
    rows = [row for row in items if row.pk in claimed]  # another worker has the others
    sent_ids: list[int] = []

    def flush() -> None:
        if sent_ids:
            _mark_sent(sent_ids)
            sent_ids.clear()

    def record(row: Notification, error: Exception | None) -> None:
        attempts = row.attempts + 1
        if error is None and row.provider_id:
            # A text the provider numbered: recorded at once with its id, since the
            # provider's delivery report may come back within a second and must find it.
            _finish(
                row.pk,
                status=NotificationStatus.SENT,
                sent_at=timezone.now(),
                last_error="",
                provider_id=row.provider_id,
            )
            # A report that came before this line (a wrong number fails at once) waits for it.
            sms_reports_attach([row.provider_id])
            report.sent += 1
        elif error is None:
            sent_ids.append(row.pk)
            report.sent += 1
            if len(sent_ids) >= settings.VICTO_DELIVERY_MARK_EVERY:
                flush()
        elif isinstance(error, SkipDeliveryError):
            _finish(row.pk, status=NotificationStatus.SKIPPED, last_error=str(error)[:2000])
            report.skipped += 1
        elif isinstance(error, PermanentDeliveryError):
            _finish(row.pk, status=NotificationStatus.FAILED, last_error=str(error)[:2000])
            report.failed += 1
        else:
            if not isinstance(error, DeliveryError):
                logger.error("notification %s: unexpected error", row.pk, exc_info=error)
            reason = str(error)[:2000] or error.__class__.__name__
            if attempts >= settings.VICTO_NOTIFICATION_MAX_ATTEMPTS:
                _finish(row.pk, status=NotificationStatus.FAILED, last_error=reason)
                report.failed += 1
            else:
                due = timezone.now() + _backoff(attempts)
                _finish(
                    row.pk,
                    status=NotificationStatus.PENDING,
                    last_error=reason,
                    not_before=due,
                    queued_at=timezone.now(),
                )
                retry_ids.append(row.pk)
                report.retry += 1

    lanes = _email_lanes(len(rows)) if channel_name == NotificationChannel.EMAIL else 1
    if lanes == 1:
        try:
            _send_lane(channel_name, rows, record)
        finally:
            flush()
    else:
        results: queue.Queue[tuple[Notification, Exception | None]] = queue.Queue()
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=_send_lane,
                args=(channel_name, rows[lane::lanes], lambda *o: results.put(o), stop),
                daemon=True,
            )
            for lane in range(lanes)
        ]
        for thread in threads:
            thread.start()
        try:
            for _ in rows:
                record(*results.get())
        except BaseException:
            stop.set()  # the database failed us: send nothing more that cannot be recorded
            raise
        finally:
            try:
                flush()
            finally:
                for thread in threads:
                    thread.join()
    if retry_ids and not settings.CELERY_TASK_ALWAYS_EAGER:
        _schedule_retry(retry_ids, _backoff(1).total_seconds())
    return report


def _schedule_retry(ids: list[int], countdown: float) -> None:
    from .tasks import deliver_notifications

    try:
        deliver_notifications.apply_async((ids,), countdown=countdown)
    except Exception as error:
        logger.warning("could not schedule a retry (the relay will): %s", error)


# --- The relay --------------------------------------------------------------------------------


def notifications_relay(*, limit: int | None = None) -> int:
    """Queue again what is due and waited too long (a lost task, a broker outage, the end of
    quiet hours, a retry whose task vanished), and free rows a dead worker left "sending".
    Returns how many rows were queued. Links a text's delivery report that crossed the
    worker recording the text (``bounces.sms_reports_attach``)."""
    sms_reports_attach()
    now = timezone.now()
    stale = now - timedelta(seconds=settings.VICTO_SENDING_STALE_SECONDS)
    # A worker killed between claim and finish: the send may or may not have happened;
    # sending again is the only way not to lose it (at-least-once for that one message).
    Notification.objects.filter(status=NotificationStatus.SENDING, claimed_at__lt=stale).update(
        status=NotificationStatus.PENDING, queued_at=None
    )
    waited = now - timedelta(seconds=settings.VICTO_RELAY_AFTER_SECONDS)
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=waited))
        .order_by("pk")
        .values_list("pk", flat=True)[: limit or settings.VICTO_RELAY_LIMIT]
    )
    if ids:
        Notification.objects.filter(pk__in=ids).update(queued_at=now)
        _publish(ids)
    return len(ids)


# --- The in-app inbox -------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification_id: int) -> bool:
    """Mark one of the user's own in-app notifications read; someone else's does nothing."""
    return bool(
        Notification.objects.filter(
            pk=notification_id,
            recipient=user,
            channel=NotificationChannel.IN_APP,
            read_at__isnull=True,
        ).update(read_at=timezone.now())
    )


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(
        recipient=user, channel=NotificationChannel.IN_APP, read_at__isnull=True
    ).update(read_at=timezone.now())


# --- Staff actions ----------------------------------------------------------------------------


def notifications_retry(*, ids: Iterable[int]) -> int:
    """Give failed rows a new chance (an admin action after fixing an address or a setting)."""
    ids = list(ids)
    count = Notification.objects.filter(pk__in=ids, status=NotificationStatus.FAILED).update(
        status=NotificationStatus.PENDING, attempts=0, not_before=None, queued_at=timezone.now()
    )
    queue_delivery(ids)
    return count


def rule_preview(
    *, rule: NotificationRule, request: ServiceRequest, language: str, audience: str = REQUESTER
) -> dict[str, str]:
    """What a rule would send about a request (its latest event), without saving anything:
    to the requester, or with ``audience=FOLLOWERS`` to the people who follow it. The
    preview is a configuration tool: what the requester wrote or gave (name, location,
    message) shows as the placeholder's label, never as the citizen's data (a follower's
    values are public already)."""
    from .channels.email import build_message

    event = request.events.order_by("-pk").first()
    if audience == FOLLOWERS:
        values = follower_values(request, event, language)
    else:
        values = request_values(request, event, language)
        with translation.override(language):
            for name in CITIZEN_PLACEHOLDERS:
                values[name] = f"[{PLACEHOLDERS[name]}]"
    subject, body = rule_message(rule, values, language, audience)
    probe = Notification(
        channel=NotificationChannel.EMAIL,
        address="apercu@example.ca",
        language=language,
        kind=rule.event,
        topic=REQUEST_TOPIC,
        subject=subject,
        body=body,
        link=values["link"],
        dedup_key="preview",
    )
    with translation.override(language):
        message = build_message(probe)
    html = message.alternatives[0][0] if message.alternatives else ""
    return {"subject": subject, "body": body, "html": str(html)}


# --- Push devices ------------------------------------------------------------------------------


@transaction.atomic
def push_device_register(
    *, user: Any, kind: str, endpoint: str, keys: dict[str, str] | None = None, name: str = ""
) -> tuple[Any, bool]:
    """Register (or refresh) a device for ``user``; returns (device, created).

    An endpoint is one device: registering it again updates it, and if another account had
    it (a phone or a computer that changed hands), it now belongs to ``user`` only. The
    mobile API and the portal's Web Push button both write through here."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from .models import PushDevice
    from .push_endpoints import validate_push_endpoint

    endpoint = (endpoint or "").strip()
    if kind not in PushDevice.Kind.values:
        raise ValidationError({"kind": [_("Type d’appareil inconnu.")]})
    if not endpoint:
        raise ValidationError({"endpoint": [_("Ce champ est obligatoire.")]})
    validate_push_endpoint(kind=kind, endpoint=endpoint)
    endpoint_hash = hashlib.sha256(endpoint.encode()).hexdigest()
    device = PushDevice.objects.select_for_update().filter(endpoint_hash=endpoint_hash).first()
    created = device is None
    if device is None:
        device = PushDevice(endpoint=endpoint)
    device.user = user
    device.kind = kind
    device.keys = keys or {}
    device.name = (name or "").strip()[:100]
    device.is_active = True
    device.save()
    return device, created


@transaction.atomic
def push_device_remove(*, user: Any, device_id: int) -> bool:
    """Forget one of ``user``'s devices; False if ``user`` has no such device."""
    from .models import PushDevice

    deleted, _rows = PushDevice.objects.filter(user=user, pk=device_id).delete()
    return bool(deleted)
