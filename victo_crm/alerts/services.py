"""Every write of alerts: subscriptions, notices and their fan-out, collection reminders."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from victo_crm.accounts.models import Channel, CommunicationPreference, ConsentPurpose, Topic
from victo_crm.accounts.models import User as Account
from victo_crm.core.errors import is_broker_error
from victo_crm.core.models import localized
from victo_crm.notifications.models import (
    EmailSuppression,
    Notification,
    NotificationChannel,
    NotificationStatus,
)
from victo_crm.notifications.preferences import PreferenceBook
from victo_crm.notifications.services import outbox_bulk_insert, outbox_row, queue_delivery
from victo_crm.notifications.unsubscribe import ALL_TOPICS, UnsubscribeTarget

from .calendar import occurrences
from .models import (
    AlertTopic,
    AreaKind,
    CollectionCalendar,
    Notice,
    NoticeEvent,
    NoticeEventKind,
    NoticePolicy,
    NoticeStatus,
    Subscription,
)
from .selectors import (
    EVERY_CHANNEL,
    audience_chunk,
    may_publish_broad,
    notice_audience_count,
    notice_is_broad,
    notice_recipients,
)

if TYPE_CHECKING:
    from victo_crm.accounts.models import User
    from victo_crm.places.models import Address

logger = logging.getLogger(__name__)

CHANNELS = [c for c in NotificationChannel.values]


# --- Subscriptions ----------------------------------------------------------------------------


def _check_channels(user: User, topic: AlertTopic, channels: Sequence[str]) -> list[str]:
    chosen = [c for c in EVERY_CHANNEL if c in set(channels)]
    errors = []
    if not chosen or len(chosen) != len(set(channels)):
        errors.append(_("Choisissez au moins un canal parmi ceux proposés."))
    active = set(user.consents.filter(withdrawn_at__isnull=True).values_list("purpose", flat=True))
    if NotificationChannel.SMS in chosen:
        if not user.phone:
            errors.append(_("Indiquez d’abord un numéro de téléphone dans votre profil."))
        elif ConsentPurpose.SMS not in active:
            errors.append(_("Acceptez d’abord de recevoir des textos, dans votre profil."))
    if NotificationChannel.PUSH in chosen and ConsentPurpose.PUSH not in active:
        errors.append(_("Acceptez d’abord les notifications sur vos appareils, dans votre profil."))
    if topic.preference_topic == "city_news" and ConsentPurpose.CITY_NEWS not in active:
        errors.append(
            _("Acceptez d’abord de recevoir les nouvelles de la Ville, dans votre profil.")
        )
    if errors:
        raise ValidationError({"channels": errors})
    return chosen


def _turn_on_preferences(user: User, topic: AlertTopic, channels: Iterable[str]) -> None:
    """Subscribing is an explicit choice: the matching preferences follow it."""
    from victo_crm.accounts.services import user_preferences_set

    user_preferences_set(
        user=user, preferences={(topic.preference_topic, c): True for c in channels}
    )


@transaction.atomic
def subscription_create(
    *, user: User, topic: AlertTopic, address: Address, channels: Sequence[str], label: str = ""
) -> Subscription:
    """Subscribe a citizen to a topic for an address (theirs or one they follow)."""
    if not topic.is_active:
        raise ValidationError({"topic": [_("Ce sujet n’est plus offert.")]})
    chosen = _check_channels(user, topic, channels)
    subscription, created = Subscription.objects.get_or_create(
        user=user,
        topic=topic,
        address=address,
        defaults={"channels": chosen, "label": label.strip()[:80]},
    )
    if not created:
        subscription.channels = chosen
        subscription.is_active = True
        subscription.label = label.strip()[:80] or subscription.label
        subscription.save(update_fields=["channels", "is_active", "label", "updated_at"])
    _turn_on_preferences(user, topic, chosen)
    return subscription


@transaction.atomic
def subscription_update(
    *, user: User, subscription: Subscription, channels: Sequence[str]
) -> Subscription:
    if subscription.user_id != user.pk:
        raise Subscription.DoesNotExist
    chosen = _check_channels(user, subscription.topic, channels)
    subscription.channels = chosen
    subscription.save(update_fields=["channels", "updated_at"])
    _turn_on_preferences(user, subscription.topic, chosen)
    return subscription


@transaction.atomic
def subscription_delete(*, user: User, subscription: Subscription) -> None:
    if subscription.user_id != user.pk:
        raise Subscription.DoesNotExist
    subscription.delete()


@transaction.atomic
def subscriptions_drop_channel(
    *, user: User, preference_topics: Iterable[str], channel: str
) -> int:
    """Remove a channel from the citizen's subscriptions of some preference topics (the
    unsubscribe link); a subscription left without channel is deactivated."""
    topics = set(preference_topics)
    changed = 0
    for subscription in Subscription.objects.filter(user=user).select_related("topic"):
        if (
            subscription.topic.preference_topic not in topics
            or channel not in subscription.channels
        ):
            continue
        subscription.channels = [c for c in subscription.channels if c != channel]
        subscription.is_active = bool(subscription.channels)
        subscription.save(update_fields=["channels", "is_active", "updated_at"])
        changed += 1
    return changed


@transaction.atomic
def unsubscribe_apply(*, target: UnsubscribeTarget) -> None:
    """Stop e-mails of a signed unsubscribe link's topic: the citizen's preference turns off
    (and the e-mail channel leaves their alert subscriptions of that topic); a guest's address
    is suppressed."""
    from victo_crm.accounts.services import user_preferences_set

    user = Account.objects.filter(pk=target.user_id).first() if target.user_id else None
    if user is None:
        if target.email:
            EmailSuppression.objects.get_or_create(email=target.email.lower(), topic=target.topic)
        return
    if target.topic != ALL_TOPICS and target.topic not in Topic.values:
        # A work message (staff): no preference row exists for it; suppress the address.
        EmailSuppression.objects.get_or_create(email=user.email.lower(), topic=target.topic)
        return
    topics = Topic.values if target.topic == ALL_TOPICS else [target.topic]
    user_preferences_set(
        user=user,
        preferences={
            (topic, Channel.EMAIL.value): False for topic in topics if topic in Topic.values
        },
    )
    subscriptions_drop_channel(user=user, preference_topics=topics, channel=Channel.EMAIL.value)


# --- Notices ----------------------------------------------------------------------------------


def _clean_notice(notice: Notice) -> None:
    errors: dict[str, list[str]] = {}
    if notice.area_kind == AreaKind.STREETS and not notice.street_list():
        errors["streets"] = [_("Indiquez au moins une rue.")]
    if notice.area_kind == AreaKind.RADIUS and (
        notice.latitude is None or notice.longitude is None or not notice.radius_m
    ):
        errors["radius_m"] = [_("Indiquez le centre (latitude, longitude) et le rayon.")]
    if notice.ends_at and notice.ends_at <= notice.starts_at:
        errors["ends_at"] = [_("La fin doit suivre le début.")]
    if not notice.title_fr.strip() or not notice.body_fr.strip():
        errors["title_fr"] = [_("Le titre et le message en français sont obligatoires.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def notice_save_draft(*, notice: Notice, actor: User, zones: Iterable[Any] | None = None) -> Notice:
    """Create or change a draft notice; a published one cannot be edited."""
    if (
        notice.pk
        and Notice.objects.filter(pk=notice.pk).exclude(status=NoticeStatus.DRAFT).exists()
    ):
        raise ValidationError(
            _("Un avis publié ne se modifie plus; retirez-le et rédigez-en un autre.")
        )
    _clean_notice(notice)
    if notice.created_by_id is None:
        notice.created_by = actor
    notice.status = NoticeStatus.DRAFT
    notice.save()
    if zones is not None:
        notice.zones.set(zones)
    if notice.area_kind == AreaKind.ZONES and not notice.zones.exists():
        raise ValidationError({"zones": [_("Choisissez au moins une zone.")]})
    return notice


def _log(
    notice: Notice,
    kind: str,
    actor: User,
    *,
    broad: bool,
    audience: int,
    comment: str = "",
) -> NoticeEvent:
    return NoticeEvent.objects.create(
        notice=notice,
        kind=kind,
        actor=actor,
        actor_email=actor.email,
        area_kind=notice.area_kind,
        area=notice.area_summary()[:255],
        severity=notice.severity,
        is_broad=broad,
        audience_count=audience,
        comment=comment,
    )


def refuse_without_broad_permission(actor: User) -> None:
    """Raise ``PermissionDenied`` with its reason unless the person may publish broad notices."""
    if not may_publish_broad(actor):
        raise PermissionDenied(
            _(
                "Publier un avis à toute la ville ou un avis d’urgence demande une permission "
                "que vous n’avez pas. Demandez à une personne qui l’a (superviseur ou "
                "administrateur)."
            )
        )


@transaction.atomic
def notice_publish(*, notice: Notice, actor: User) -> Notice:
    """Publish a draft: it shows on the portal at once and fans out to its audience in the
    background, in chunks that survive a worker or broker outage (see ``notice_fanout``).

    A broad notice (to the whole town, or an emergency: ``notice_is_broad``) needs the
    permission ``alerts.publish_townwide_notice``; when the notice policy asks for a second
    person, it waits for their approval (``notice_approve``) instead of being sent. Every
    publication and request is written to the notices' audit log (``NoticeEvent``)."""
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    if locked.status == NoticeStatus.PENDING:
        raise ValidationError(_("Cet avis attend déjà l’approbation d’une autre personne."))
    if locked.status != NoticeStatus.DRAFT:
        raise ValidationError(_("Cet avis a déjà été publié."))
    _clean_notice(locked)
    policy = NoticePolicy.current()
    audience = notice_audience_count(locked)
    broad = notice_is_broad(locked, audience=audience, policy=policy)
    if broad:
        refuse_without_broad_permission(actor)
    if broad and policy.require_second_approval:
        locked.status = NoticeStatus.PENDING
        locked.requested_by = actor
        locked.requested_at = timezone.now()
        locked.audience_count = audience
        locked.save(
            update_fields=["status", "requested_by", "requested_at", "audience_count", "updated_at"]
        )
        _log(locked, NoticeEventKind.REQUESTED, actor, broad=True, audience=audience)
        return locked
    now = timezone.now()
    locked.status = NoticeStatus.PUBLISHING
    locked.published_at = now
    locked.published_by = actor
    locked.audience_count = audience
    locked.save(
        update_fields=["status", "published_at", "published_by", "audience_count", "updated_at"]
    )
    _log(locked, NoticeEventKind.PUBLISHED, actor, broad=broad, audience=audience)
    notice_id = locked.pk
    transaction.on_commit(lambda: _queue_fanout(notice_id))
    return locked


@transaction.atomic
def notice_approve(*, notice: Notice, actor: User) -> Notice:
    """A second person, with the permission, approves a pending notice: it is published and
    fans out. The person who asked cannot approve their own request. Two approvals at once
    send it once: only the one whose conditional UPDATE moves it out of "pending" goes on."""
    refuse_without_broad_permission(actor)
    current = Notice.objects.get(pk=notice.pk)
    if current.status != NoticeStatus.PENDING:
        raise ValidationError(_("Cet avis n’attend plus d’approbation."))
    if current.requested_by_id == actor.pk:
        raise PermissionDenied(
            _("Vous avez demandé cette publication : une autre personne doit l’approuver.")
        )
    audience = notice_audience_count(current)
    now = timezone.now()
    claimed = (
        Notice.objects.filter(pk=current.pk, status=NoticeStatus.PENDING)
        .exclude(requested_by=actor)
        .update(
            status=NoticeStatus.PUBLISHING,
            published_by=actor,
            published_at=now,
            audience_count=audience,
            updated_at=now,
        )
    )
    if claimed != 1:
        raise ValidationError(_("Cet avis n’attend plus d’approbation."))
    current.refresh_from_db()
    _log(current, NoticeEventKind.APPROVED, actor, broad=True, audience=audience)
    _log(current, NoticeEventKind.PUBLISHED, actor, broad=True, audience=audience)
    notice_id = current.pk
    transaction.on_commit(lambda: _queue_fanout(notice_id))
    return current


@transaction.atomic
def notice_reject(*, notice: Notice, actor: User, reason: str = "") -> Notice:
    """Refuse a pending notice: it goes back to draft, nothing is sent. The person who asked
    may take their request back; anyone else needs the permission and says why."""
    current = Notice.objects.get(pk=notice.pk)
    if current.status != NoticeStatus.PENDING:
        raise ValidationError(_("Cet avis n’attend plus d’approbation."))
    own = current.requested_by_id == actor.pk
    if not own:
        refuse_without_broad_permission(actor)
    reason = reason.strip()
    if not own and not reason:
        raise ValidationError({"reason": [_("Dites pourquoi vous refusez cet avis.")]})
    updated = Notice.objects.filter(pk=current.pk, status=NoticeStatus.PENDING).update(
        status=NoticeStatus.DRAFT, requested_by=None, requested_at=None, updated_at=timezone.now()
    )
    if updated != 1:
        raise ValidationError(_("Cet avis n’attend plus d’approbation."))
    current.refresh_from_db()
    _log(
        current,
        NoticeEventKind.REJECTED,
        actor,
        broad=True,
        audience=current.audience_count,
        comment=reason[:2000],
    )
    return current


def _queue_fanout(notice_id: int) -> None:
    from .tasks import fan_out_notice

    try:
        fan_out_notice.delay(notice_id)
    except Exception as error:
        if settings.CELERY_TASK_ALWAYS_EAGER and not is_broker_error(error):
            raise
        logger.warning("could not queue the fan-out of notice %s: %s", notice_id, error)


@transaction.atomic
def notice_withdraw(*, notice: Notice, actor: User) -> Notice:
    """Take a notice off the portal (or a request for approval back); pending messages about
    it are not sent any more."""
    Notice.objects.filter(pk=notice.pk).update(
        status=NoticeStatus.WITHDRAWN, ends_at=timezone.now(), updated_at=timezone.now()
    )
    Notification.objects.filter(
        group_key=f"notice:{notice.pk}", status=NotificationStatus.PENDING
    ).update(status=NotificationStatus.SKIPPED, last_error=_("Avis retiré."))
    notice.refresh_from_db()
    _log(
        notice,
        NoticeEventKind.WITHDRAWN,
        actor,
        broad=notice_is_broad(notice, audience=notice.audience_count),
        audience=notice.audience_count,
    )
    return notice


def notice_link(notice: Notice) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("alerts:notice_public", args=[notice.pk])


def notice_fanout(*, notice_id: int) -> int:
    """Write one row per person and channel for a published notice, chunk by chunk.

    Each chunk is its own transaction that also moves the notice's cursor, so a crash
    resumes where it stopped; rows already written are skipped by their de-duplication key,
    so running it twice writes nothing twice. Returns how many rows were written.
    """
    notice = Notice.objects.select_related("topic").filter(pk=notice_id).first()
    if notice is None or notice.status != NoticeStatus.PUBLISHING:
        return 0
    chunk = settings.VICTO_FANOUT_CHUNK
    emergency = notice.is_emergency
    topic = notice.topic.preference_topic
    group = f"notice:{notice.pk}"
    link = notice_link(notice)
    texts = {
        lang: (localized(notice, "title", lang), localized(notice, "body", lang))
        for lang in ("fr", "en")
    }
    written = 0
    while True:
        with transaction.atomic():
            current = Notice.objects.select_for_update().get(pk=notice.pk)
            if current.status != NoticeStatus.PUBLISHING:
                return written
            user_ids = audience_chunk(notice, after=current.fanout_cursor, size=chunk)
            if not user_ids:
                current.status = NoticeStatus.PUBLISHED
                current.fanout_done_at = timezone.now()
                current.save(update_fields=["status", "fanout_done_at", "updated_at"])
                return written
            rows = []
            now = timezone.now()
            for recipient in notice_recipients(notice, user_ids):
                subject, body = texts[recipient.language]
                for channel in recipient.channels:
                    rows.append(
                        outbox_row(
                            now=now,
                            recipient_id=recipient.user_id,
                            address=recipient.email if channel == NotificationChannel.EMAIL else "",
                            channel=channel,
                            language=recipient.language,
                            kind="notice",
                            topic=topic,
                            group_key=group,
                            is_emergency=emergency,
                            subject=subject,
                            body=body,
                            link=link,
                            context={"notice": notice.pk},
                            dedup_key=f"{group}:u{recipient.user_id}:{channel}",
                            delivered=channel == NotificationChannel.IN_APP,
                        )
                    )
            inserted = outbox_bulk_insert(rows)
            written += len(inserted)
            current.fanout_cursor = user_ids[-1]
            current.save(update_fields=["fanout_cursor", "updated_at"])
            queue_delivery(pk for pk, status in inserted if status == NotificationStatus.PENDING)


def notices_resume_fanouts() -> int:
    """Queue again the fan-outs that stopped (a worker or broker outage)."""
    stale = timezone.now() - timedelta(seconds=settings.VICTO_RELAY_AFTER_SECONDS)
    ids = list(
        Notice.objects.filter(status=NoticeStatus.PUBLISHING, updated_at__lt=stale).values_list(
            "pk", flat=True
        )
    )
    for notice_id in ids:
        _queue_fanout(notice_id)
    return len(ids)


# --- Collection reminders -------------------------------------------------------------------


def collection_reminders_send(*, today: date | None = None, force: bool = False) -> int:
    """Tell subscribers the evening before a collection (from the configured hour on).

    Idempotent: the key is (calendar, date, person, channel), so the periodic task may run
    every few minutes. Returns how many rows were written.
    """
    now = timezone.localtime()
    if not force and today is None and now.hour < settings.VICTO_COLLECTION_REMINDER_HOUR:
        return 0
    day = (today or now.date()) + timedelta(days=1)
    calendars = list(
        CollectionCalendar.objects.filter(is_active=True, topic__is_active=True).select_related(
            "zone", "topic"
        )
    )
    written = 0
    for occurrence in occurrences(calendars, day, day):
        written += _remind(occurrence.calendar, day, occurrence.reason)
    return written


@transaction.atomic
def _remind(calendar: CollectionCalendar, day: date, reason: str) -> int:
    subscriptions = Subscription.objects.filter(
        is_active=True, topic=calendar.topic, address__zones=calendar.zone, user__is_active=True
    ).values_list("user_id", "user__email", "user__preferred_language", "channels")
    chosen: dict[int, set[str]] = defaultdict(set)
    people: dict[int, tuple[str, str]] = {}
    topic = calendar.topic.preference_topic
    for uid, email, language, channels in subscriptions:
        chosen[uid].update(channels or [])
        people[uid] = (email, language if language in ("fr", "en") else "fr")
    explicit = {uid: set(channels) for uid, channels in chosen.items()}
    # A resident of the sector who turned collections on in her preferences is subscribed
    # to her own address: every stream collected there, on the channels she turned on.
    residents = list(
        Account.objects.filter(
            is_active=True,
            address__zones=calendar.zone,
            pk__in=CommunicationPreference.objects.filter(topic=topic, enabled=True).values(
                "user_id"
            ),
        ).values_list("pk", "email", "preferred_language")
    )
    for uid, email, language in residents:
        people[uid] = (email, language if language in ("fr", "en") else "fr")
        chosen.setdefault(uid, set())
    if not chosen:
        return 0
    book = PreferenceBook.load(chosen.keys(), (e for e, _ in people.values()))
    for uid, _email, _language in residents:
        chosen[uid].update(c for c in EVERY_CHANNEL if book.wants(uid, topic, c))
    group = f"reminder:{day.isoformat()}"
    link = settings.SITE_URL.rstrip("/") + reverse("alerts:my_calendar")
    rows = []
    now = timezone.now()
    for uid, channels in chosen.items():
        email, language = people[uid]
        with translation.override(language):
            when = formats.date_format(day, "l j F")
            subject = _("Demain, %(day)s : %(stream)s") % {
                "day": when,
                "stream": localized(calendar.topic, "name", language),
            }
            body = _("Placez votre bac en bordure de rue ce soir ou avant 7 h demain matin.")
            if reason:
                body = f"{body}\n{reason}"
        for channel in sorted(channels):
            if book.refusal_code(
                user_id=uid,
                email=email,
                topic=topic,
                channel=channel,
                subscribed=channel in explicit.get(uid, ()),
            ):
                continue
            rows.append(
                outbox_row(
                    now=now,
                    recipient_id=uid,
                    address=email if channel == NotificationChannel.EMAIL else "",
                    channel=channel,
                    language=language,
                    kind="collection_reminder",
                    topic=topic,
                    group_key=group,
                    subject=subject,
                    body=body,
                    link=link,
                    context={"calendar": calendar.pk, "date": day.isoformat()},
                    dedup_key=f"reminder:{calendar.pk}:{day.isoformat()}:u{uid}:{channel}",
                    delivered=channel == NotificationChannel.IN_APP,
                )
            )
    inserted = outbox_bulk_insert(rows)
    queue_delivery(pk for pk, status in inserted if status == NotificationStatus.PENDING)
    return len(inserted)
