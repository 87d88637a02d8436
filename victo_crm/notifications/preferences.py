"""Who may be sent what: preferences, consents, suppressions and quiet hours.

The defaults and the single-user helpers live in ``accounts.preferences`` (the portal's
preference page edits them); this module answers the same question for many people at once
(a notice to 50,000 subscribers makes a handful of queries, not one per person), and adds
what only delivery knows: consents for SMS and push, guests' unsubscribes, quiet hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy

from victo_crm.accounts.models import CommunicationPreference, Consent, ConsentPurpose, Topic
from victo_crm.accounts.preferences import DEFAULTS
from victo_crm.core.statements import Prepared

from .models import EmailSuppression, NotificationChannel, PushDevice

# A channel that reaches a phone needs the person's consent for it (Law 25).
CONSENT_FOR_CHANNEL = {
    NotificationChannel.SMS.value: ConsentPurpose.SMS.value,
    NotificationChannel.PUSH.value: ConsentPurpose.PUSH.value,
}
# Topics whose messages need a consent of their own, whatever the channel.
CONSENT_FOR_TOPIC = {Topic.CITY_NEWS.value: ConsentPurpose.CITY_NEWS.value}
# The citizen topics, computed once: ``Topic.values`` builds its list (and translates every
# label) at each call, which a notice to 50,000 people would pay 200,000 times.
CITIZEN_TOPICS = frozenset(Topic.values)


def _book_rows(ids: list[int], addresses: list[str]) -> QuerySet[Any]:
    """Preferences, consents, devices, phone numbers and unsubscribes of these people: a
    ``UNION ALL`` of five queries, each row tagged with its kind."""
    from victo_crm.accounts.models import User

    none, yes = Value(""), Value(True)
    parts = [
        CommunicationPreference.objects.filter(user_id__in=ids).values_list(
            Value("p"), "user_id", "topic", "channel", "enabled"
        ),
        Consent.objects.filter(user_id__in=ids, withdrawn_at__isnull=True).values_list(
            Value("c"), "user_id", "purpose", none, yes
        ),
        PushDevice.objects.filter(user_id__in=ids, is_active=True).values_list(
            Value("d"), "user_id", none, none, yes
        ),
        User.objects.filter(pk__in=ids)
        .exclude(phone="")
        .values_list(Value("f"), "pk", "phone", none, yes),
        # The flag is false for a complaint's stop (reason "complaint").
        EmailSuppression.objects.filter(email__in=addresses).values_list(
            Value("s"),
            Value(0),
            "email",
            "topic",
            ExpressionWrapper(
                ~Q(reason=EmailSuppression.Reason.COMPLAINT), output_field=BooleanField()
            ),
        ),
    ]
    parts = [part.order_by() for part in parts]
    return parts[0].union(*parts[1:], all=True)


# Every submission and transition reads its citizen's book: compiled once per number of
# people and addresses (core/statements.py).
BOOK_ROWS = Prepared(_book_rows)


@dataclass
class PreferenceBook:
    """Preferences, consents, devices and phone numbers of a set of users, loaded at once."""

    explicit: dict[int, dict[tuple[str, str], bool]] = field(default_factory=dict)
    consents: dict[int, set[str]] = field(default_factory=dict)
    devices: set[int] = field(default_factory=set)
    phones: dict[int, str] = field(default_factory=dict)
    suppressed: set[tuple[str, str]] = field(default_factory=set)
    complained: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, user_ids: Iterable[int], emails: Iterable[str] = ()) -> PreferenceBook:
        """Preferences, consents, devices, phone numbers and unsubscribes of these people in
        one query (``_book_rows``): one round trip for a single submission's citizen as for a
        chunk of 5,000 people of a notice."""
        ids = sorted({uid for uid in user_ids if uid})
        addresses = sorted({e.lower() for e in emails if e})
        book = cls()
        if not ids and not addresses:
            return book
        explicit: dict[int, dict[tuple[str, str], bool]] = defaultdict(dict)
        consents: dict[int, set[str]] = defaultdict(set)
        for kind, uid, first, second, flag in BOOK_ROWS.rows(ids, addresses):
            if kind == "p":
                explicit[uid][(first, second)] = bool(flag)
            elif kind == "c":
                consents[uid].add(first)
            elif kind == "d":
                book.devices.add(uid)
            elif kind == "f":
                book.phones[uid] = first
            else:
                book.suppressed.add((first.lower(), second))
                if not flag:
                    book.complained.add(first.lower())
        book.explicit = dict(explicit)
        book.consents = dict(consents)
        return book

    def wants(self, user_id: int, topic: str, channel: str) -> bool:
        row = self.explicit.get(user_id, {}).get((topic, channel))
        return DEFAULTS.get((topic, channel), False) if row is None else row

    def opted_out(self, user_id: int, topic: str, channel: str) -> bool:
        """An explicit "no" (a stored row), as opposed to a default."""
        return self.explicit.get(user_id, {}).get((topic, channel)) is False

    def has_consent(self, user_id: int, purpose: str) -> bool:
        return purpose in self.consents.get(user_id, set())

    def can_reach(self, user_id: int, channel: str) -> bool:
        """The person has the means for the channel: a phone for texts, a device for push."""
        if channel == NotificationChannel.SMS:
            return user_id in self.phones
        if channel == NotificationChannel.PUSH:
            return user_id in self.devices
        return True

    def refusal(
        self,
        *,
        user_id: int | None,
        email: str,
        topic: str,
        channel: str,
        is_emergency: bool = False,
        subscribed: bool = False,
    ) -> str:
        """Why this message must not go out ("" when it may), worded for staff.

        ``subscribed``: the person chose this channel for this topic in an alert
        subscription, which is an explicit choice; only a stored "no" overrides it.
        Emergencies ignore topic choices but never a missing consent or an explicit
        opt-out of emergency messages on that channel (the unsubscribe link must be true).
        """
        reason = self.refusal_code(
            user_id=user_id,
            email=email,
            topic=topic,
            channel=channel,
            is_emergency=is_emergency,
            subscribed=subscribed,
        )
        return str(REFUSALS[reason]) if reason else ""

    def refusal_code(
        self,
        *,
        user_id: int | None,
        email: str,
        topic: str,
        channel: str,
        is_emergency: bool = False,
        subscribed: bool = False,
    ) -> str:
        """``refusal`` as a short code ("" when the message may go), without translating
        anything: a notice's fan-out asks it four times per person."""
        if channel == NotificationChannel.EMAIL and email:
            address = email.lower()
            if (address, "*") in self.suppressed and address in self.complained:
                return "complaint"
            if (address, topic) in self.suppressed or (address, "*") in self.suppressed:
                return "unsubscribed"
        if user_id is None:
            return "" if channel == NotificationChannel.EMAIL else "no_account"
        purpose = CONSENT_FOR_CHANNEL.get(channel)
        if purpose and not self.has_consent(user_id, purpose):
            return "no_channel_consent"
        if not self.can_reach(user_id, channel):
            return "no_means"
        if topic not in CITIZEN_TOPICS:
            return ""  # a work message to staff: no citizen preference applies
        if is_emergency:
            return "opted_out" if self.opted_out(user_id, topic, channel) else ""
        topic_purpose = CONSENT_FOR_TOPIC.get(topic)
        if topic_purpose and not self.has_consent(user_id, topic_purpose):
            return "no_topic_consent"
        if subscribed:
            return "opted_out" if self.opted_out(user_id, topic, channel) else ""
        if not self.wants(user_id, topic, channel):
            return "preference_off"
        return ""


REFUSALS = {
    "unsubscribed": gettext_lazy("Désabonné par le lien du courriel."),
    "complaint": gettext_lazy("Plainte : nos courriels signalés comme indésirables."),
    "no_account": gettext_lazy("Pas de compte : seul le courriel est possible."),
    "no_channel_consent": gettext_lazy("Aucun consentement actif pour ce canal."),
    "no_means": gettext_lazy("Aucun numéro ou appareil pour ce canal."),
    "opted_out": gettext_lazy("Refus explicite de ce sujet sur ce canal."),
    "no_topic_consent": gettext_lazy("Aucun consentement actif pour ce sujet."),
    "preference_off": gettext_lazy("Préférence de communication désactivée."),
}


# --- Quiet hours ------------------------------------------------------------------------------


QUIET_CHANNELS = {NotificationChannel.SMS.value, NotificationChannel.PUSH.value}


def _quiet_bounds() -> tuple[time, time]:
    return (
        time(settings.VICTO_QUIET_HOURS_START % 24),
        time(settings.VICTO_QUIET_HOURS_END % 24),
    )


def quiet_until(now: datetime | None = None) -> datetime | None:
    """The end of the quiet hours if ``now`` is inside them, else None."""
    start, end = _quiet_bounds()
    if start == end:
        return None
    local = timezone.localtime(now or timezone.now())
    moment = local.time()
    inside = (start <= moment or moment < end) if start > end else (start <= moment < end)
    if not inside:
        return None
    day = local.date() if moment < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end), timezone.get_current_timezone())


def held_for_quiet_hours(
    channel: str, is_emergency: bool, now: datetime | None = None
) -> datetime | None:
    """When a text or push must wait for the morning, the moment it may go."""
    if is_emergency or channel not in QUIET_CHANNELS:
        return None
    return quiet_until(now)
