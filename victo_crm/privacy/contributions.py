"""The contributions of the apps below privacy: accounts (with allauth, MFA, sessions and the
admin's log), service requests, notifications and alerts. Registered when the app is ready.

Each export lists what we hold about the person; each erase destroys it or, for the town's
records (requests, the messages sent about them), keeps them without anything that
identifies her (see docs/portal.md, « Mes données »)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .registry import REDACTED, Bundle, Contribution, Subject, register

# --- Account, e-mail addresses, preferences, consents, sign-in ----------------------------------


def _export_profile(subject: Subject, bundle: Bundle) -> dict[str, Any]:
    user = subject.user
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "address": user.address.label if user.address_id and user.address else "",
        "address_unit": user.address_unit,
        "preferred_language": user.preferred_language,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }


def _erase_profile(subject: Subject) -> None:
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    user = subject.user
    # The admin's history of changes to her account describes it by its e-mail address.
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(get_user_model()), object_id=str(user.pk)
    )
    entries.update(object_repr=REDACTED, change_message="")
    # Everything still pointing at the account cascades with it (preferences, consents,
    # addresses, authenticators, devices, subscriptions, follows, uploads, notifications);
    # the contributions above have already exported and cleaned what must not cascade.
    user.delete()


def _export_email_addresses(subject: Subject, bundle: Bundle) -> list[Mapping[str, Any]]:
    from allauth.account.models import EmailAddress

    addresses = EmailAddress.objects.filter(user=subject.user).order_by("pk")
    return list(addresses.values("email", "verified", "primary"))


def _erase_email_addresses(subject: Subject) -> None:
    from allauth.account.models import EmailAddress, EmailConfirmation

    EmailConfirmation.objects.filter(email_address__user=subject.user).delete()
    EmailAddress.objects.filter(user=subject.user).delete()


def _export_preferences(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    from victo_crm.accounts.preferences import effective_preferences

    return [
        {"topic": topic, "channel": channel, "enabled": enabled}
        for (topic, channel), enabled in sorted(effective_preferences(subject.user).items())
    ]


def _erase_preferences(subject: Subject) -> None:
    from victo_crm.accounts.models import CommunicationPreference

    CommunicationPreference.objects.filter(user=subject.user).delete()


def _export_consents(subject: Subject, bundle: Bundle) -> list[Mapping[str, Any]]:
    from victo_crm.accounts.models import Consent

    consents = Consent.objects.filter(user=subject.user).order_by("given_at", "pk")
    return list(consents.values("purpose", "version", "given_at", "withdrawn_at"))


def _erase_consents(subject: Subject) -> None:
    from victo_crm.accounts.models import Consent

    Consent.objects.filter(user=subject.user).delete()


def _export_sign_in(subject: Subject, bundle: Bundle) -> dict[str, Any]:
    from allauth.mfa.models import Authenticator

    return {
        # The kinds and dates only: the secrets themselves are no use outside this service.
        "authenticators": [
            {"type": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
            for a in Authenticator.objects.filter(user=subject.user).order_by("pk")
        ],
        "sessions": [
            {
                "expires_at": expires,
                # What the portal keeps between pages, such as a request not yet sent.
                "data": {k: v for k, v in data.items() if not k.startswith("_")},
            }
            for _key, expires, data in _sessions_of(subject.user)
        ],
    }


def _erase_sign_in(subject: Subject) -> None:
    from importlib import import_module

    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=subject.user).delete()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key, _expires, _data in _sessions_of(subject.user):
        # Through the store, so a cached session goes from the cache too.
        store(session_key=key).delete()


def _sessions_of(user: Any) -> list[tuple[str, datetime, dict[str, Any]]]:
    """Her unexpired sessions (each holds her id and maybe a draft request). Sessions are
    not indexed by user: this reads them all, which only an export or a deletion does."""
    from django.contrib.sessions.models import Session

    found = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if str(data.get("_auth_user_id", "")) == str(user.pk):
            found.append((session.session_key, session.expire_date, data))
    return found


# --- Requests: her own and those filed with her verified e-mail before she signed up -----------


def _export_requests(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    from victo_crm.service_requests.models import ServiceRequest

    requests = (
        ServiceRequest.objects.filter(pk__in=subject.request_ids)
        .select_related("request_type", "state", "address")
        .prefetch_related("attachments", "events")
        .order_by("created_at", "pk")
    )
    user = subject.user
    out = []
    for r in requests:
        mine = [a for a in r.attachments.all() if a.uploaded_by_id in (None, user.pk)]
        out.append(
            {
                "reference": r.reference,
                "filed_with_account": r.citizen_id == user.pk,
                "channel": r.channel,
                "type": r.request_type.name,
                "state": r.state.citizen_label,
                "created_at": r.created_at,
                "closed_at": r.closed_at,
                "description": r.description,
                "fields": r.field_values,
                "address": r.address.label if r.address else "",
                "location": r.place_label,
                "latitude": r.latitude,
                "longitude": r.longitude,
                "contact_name": r.contact_name,
                "contact_email": r.contact_email,
                "contact_phone": r.contact_phone,
                "rating": r.rating,
                "rating_comment": r.rating_comment,
                # Her comments and reopen reasons, and what the town answered her.
                "timeline": [
                    {
                        "at": e.created_at,
                        "kind": e.kind,
                        "by_me": e.actor_id == user.pk,
                        "text": e.message,
                    }
                    for e in r.events.all()
                    if (e.is_public or e.actor_id == user.pk) and e.message
                ],
                "photos": [
                    {
                        "name": a.original_name,
                        "uploaded_at": a.created_at,
                        "file": bundle.add(a.file, f"photos/{r.reference}"),
                    }
                    for a in mine
                ],
            }
        )
    return out


def _erase_requests(subject: Subject) -> None:
    """The requests stay in the town's records, without her: no link to the account, no
    contact details, no tracking token, her names, e-mails and phone blotted out of every
    text (hers and the staff's replies to her), her original photos (with their EXIF) gone
    — the public copy, re-encoded without metadata, stays as the record of the problem."""
    from victo_crm.service_requests.models import Attachment, RequestEvent, ServiceRequest

    user = subject.user
    now = timezone.now()
    for r in ServiceRequest.objects.filter(pk__in=subject.request_ids).only(
        "pk", "description", "rating_comment", "field_values"
    ):
        ServiceRequest.objects.filter(pk=r.pk).update(
            citizen=None,
            contact_name="",
            contact_email="",
            contact_phone="",
            tracking_token_hash="",
            open311_token_hash="",
            description=subject.redact(r.description),
            rating_comment=subject.redact(r.rating_comment),
            field_values=subject.redact_json(r.field_values),
            updated_at=now,
        )
    events = RequestEvent.objects.filter(Q(request_id__in=subject.request_ids) | Q(actor=user))
    for event in events.only("pk", "message", "data"):
        message, data = subject.redact(event.message), subject.redact_json(event.data)
        if message != event.message or data != event.data:
            RequestEvent.objects.filter(pk=event.pk).update(message=message, data=data)
    originals: list[tuple[Any, str]] = []
    attachments = Attachment.objects.filter(
        Q(uploaded_by=user) | Q(request_id__in=subject.request_ids, uploaded_by__isnull=True)
    )
    for attachment in attachments:
        original = attachment.file.name
        public = attachment.public_file.name
        if original and original != public:
            originals.append((attachment.file.storage, original))
        if public:
            Attachment.objects.filter(pk=attachment.pk).update(
                file=public, original_name="photo", uploaded_by=None
            )
        else:
            # No public copy: the original was all there was, and it goes.
            Attachment.objects.filter(pk=attachment.pk).delete()
    _delete_files_on_commit(originals)


def _export_follows(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    from victo_crm.service_requests.models import RequestFollower

    return [
        {"reference": f.request.reference, "since": f.created_at}
        for f in RequestFollower.objects.filter(user=subject.user)
        .select_related("request")
        .order_by("created_at", "pk")
    ]


def _erase_follows(subject: Subject) -> None:
    from victo_crm.service_requests.models import RequestFollower

    RequestFollower.objects.filter(user=subject.user).delete()


def _purge_closed_requests(now: datetime) -> dict[str, int]:
    """Requests closed longer than the retention period lose what identifies a guest
    (contact details, tracking token) and every original photo (the public copy stays)."""
    from victo_crm.service_requests.models import Attachment, ServiceRequest

    cutoff = now - settings.VICTO_RETENTION["closed_request_personal_data"]
    closed = ServiceRequest.objects.filter(closed_at__lt=cutoff)
    guests = closed.filter(citizen__isnull=True).exclude(
        contact_name="", contact_email="", contact_phone="", tracking_token_hash=""
    )
    count = guests.update(
        contact_name="", contact_email="", contact_phone="", tracking_token_hash=""
    )  # (the partner's Open311 token stays: it names the partner's copy, not the person)
    originals: list[tuple[Any, str]] = []
    photos = 0
    # Once purged, a photo's file *is* its public copy: those are not read again.
    with_original = (
        Attachment.objects.filter(request__in=closed)
        .exclude(public_file="")
        .exclude(file=F("public_file"))
    )
    for attachment in with_original:
        originals.append((attachment.file.storage, attachment.file.name))
        Attachment.objects.filter(pk=attachment.pk).update(file=attachment.public_file.name)
        photos += 1
    _delete_files_on_commit(originals)
    return {"guest_contacts": count, "original_photos": photos}


# --- Notifications: the outbox and the portal's inbox -------------------------------------------


def _hers(subject: Subject) -> Q:
    """Messages to her account, and those sent to her verified e-mail or her phone number
    before she had one (guest requests)."""
    to_address = Q(pk__in=[])
    for address in [*subject.emails, subject.user.phone]:
        if address:
            to_address |= Q(address__iexact=address)
    return Q(recipient=subject.user) | (Q(recipient__isnull=True) & to_address)


def _export_notifications(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    from victo_crm.notifications.models import Notification

    return [
        {
            "created_at": n.created_at,
            "channel": n.channel,
            "to": n.address,
            "subject": n.subject,
            "body": n.body,
            "link": n.link,
            "status": n.status,
            "sent_at": n.sent_at,
            "read_at": n.read_at,
        }
        for n in Notification.objects.filter(_hers(subject)).order_by("created_at", "pk")
    ]


def _erase_notifications(subject: Subject) -> None:
    """Messages to her (e-mails, texts, pushes, her inbox) go; messages about her requests to
    others (followers, staff) stay for the record with her identifiers blotted out."""
    from victo_crm.notifications.models import Notification

    Notification.objects.filter(_hers(subject)).delete()
    about = Notification.objects.filter(request_id__in=subject.request_ids)
    for n in about.only("pk", "subject", "body", "context", "link"):
        Notification.objects.filter(pk=n.pk).update(
            subject=subject.redact(n.subject),
            body=subject.redact(n.body),
            context=subject.redact_json(n.context),
            link=subject.redact(n.link),
        )


def _export_suppressions(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    from victo_crm.notifications.models import EmailSuppression

    return [
        {"email": s.email, "topic": s.topic, "since": s.created_at}
        for s in EmailSuppression.objects.filter(_email_in(subject)).order_by("pk")
    ]


def _email_in(subject: Subject) -> Q:
    query = Q(pk__in=[])
    for email in subject.emails:
        query |= Q(email__iexact=email)
    return query


def _erase_suppressions(subject: Subject) -> None:
    from victo_crm.notifications.models import EmailSuppression

    # Nothing that could write to the address stays (her guest requests lose it too).
    EmailSuppression.objects.filter(_email_in(subject)).delete()


def _export_devices(subject: Subject, bundle: Bundle) -> list[Mapping[str, Any]]:
    from victo_crm.notifications.models import PushDevice

    devices = PushDevice.objects.filter(user=subject.user).order_by("created_at", "pk")
    return list(devices.values("kind", "name", "endpoint", "created_at", "last_used_at"))


def _erase_devices(subject: Subject) -> None:
    from victo_crm.notifications.models import PushDevice

    PushDevice.objects.filter(user=subject.user).delete()


def _purge_notifications(now: datetime) -> dict[str, int]:
    """Delivered (or abandoned) outbox rows keep their row — its de-duplication key stops a
    replay — but lose what they said and to whom; inbox messages go after their period."""
    from victo_crm.notifications.models import Channel, Notification, NotificationStatus

    retention = settings.VICTO_RETENTION
    done = (NotificationStatus.SENT, NotificationStatus.FAILED, NotificationStatus.SKIPPED)
    bodies = (
        Notification.objects.filter(
            status__in=done, created_at__lt=now - retention["outbox_bodies"]
        )
        .exclude(channel=Channel.IN_APP)
        .exclude(subject="", body="", address="", context={}, link="")
        .update(subject="", body="", address="", context={}, link="")
    )
    inbox, _detail = Notification.objects.filter(
        channel=Channel.IN_APP, created_at__lt=now - retention["in_app_notifications"]
    ).delete()
    return {"outbox_bodies": bodies, "in_app_notifications": inbox}


# --- Alerts ------------------------------------------------------------------------------------


def _export_subscriptions(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    from victo_crm.alerts.models import Subscription

    return [
        {
            "topic": s.topic.code,
            "address": s.address.label,
            "label": s.label,
            "channels": s.channels,
            "active": s.is_active,
            "created_at": s.created_at,
        }
        for s in Subscription.objects.filter(user=subject.user)
        .select_related("topic", "address")
        .order_by("created_at", "pk")
    ]


def _erase_subscriptions(subject: Subject) -> None:
    from victo_crm.alerts.models import Subscription

    Subscription.objects.filter(user=subject.user).delete()


# --- Photos sent ahead of a submission (the app's, a refused portal form's) ---------------------


def _export_uploads(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    from victo_crm.service_requests.models import Upload

    return [
        {
            "id": str(u.public_id),
            "name": u.original_name,
            "uploaded_at": u.created_at,
            "expires_at": u.expires_at,
            "file": bundle.add(u.file, "uploads"),
        }
        for u in Upload.objects.filter(owner=subject.user).order_by("created_at", "pk")
    ]


def _erase_uploads(subject: Subject) -> None:
    from victo_crm.service_requests.models import Upload
    from victo_crm.service_requests.uploads import uploads_consume

    # Rows and files together: once the row cascaded away nothing could find the file.
    uploads_consume(uploads=list(Upload.objects.filter(owner=subject.user)))


def _purge_uploads(now: datetime) -> dict[str, int]:
    # A guest's (owned by her session's key) go only this way, within the retention period.
    from victo_crm.service_requests.models import Upload
    from victo_crm.service_requests.uploads import uploads_consume

    expired = list(Upload.objects.filter(expires_at__lte=now))
    uploads_consume(uploads=expired)
    return {"expired": len(expired)}


# --- Receipts (resent portal forms, API replays): each face exports and erases its own --------


def _purge_receipts(now: datetime) -> dict[str, int]:
    from victo_crm.service_requests.models import Receipt

    count, _detail = Receipt.objects.filter(expires_at__lte=now).delete()
    return {"expired": count}


# --- Files ---------------------------------------------------------------------------------------


def _delete_files_on_commit(files: list[tuple[Any, str]]) -> None:
    """Files go once the rows that named them are gone for good (a rollback keeps both)."""
    if not files:
        return

    def delete() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete)


delete_files_on_commit = _delete_files_on_commit


register(
    Contribution(
        section="profile",
        models=("accounts.User", "admin.LogEntry"),
        export=_export_profile,
        erase=_erase_profile,
        erase_order=100,  # last: the account itself
    )
)
register(
    Contribution(
        section="email_addresses",
        models=("account.EmailAddress", "account.EmailConfirmation"),
        export=_export_email_addresses,
        erase=_erase_email_addresses,
        erase_order=90,
    )
)
register(
    Contribution(
        section="preferences",
        models=("accounts.CommunicationPreference",),
        export=_export_preferences,
        erase=_erase_preferences,
    )
)
register(
    Contribution(
        section="consents",
        models=("accounts.Consent",),
        export=_export_consents,
        erase=_erase_consents,
    )
)
register(
    Contribution(
        section="sign_in",
        models=("mfa.Authenticator", "sessions.Session"),
        export=_export_sign_in,
        erase=_erase_sign_in,
    )
)
register(
    Contribution(
        section="requests",
        models=(
            "service_requests.ServiceRequest",
            "service_requests.RequestEvent",
            "service_requests.Attachment",
        ),
        export=_export_requests,
        erase=_erase_requests,
        purge=_purge_closed_requests,
        erase_order=60,
    )
)
register(
    Contribution(
        section="followed_requests",
        models=("service_requests.RequestFollower",),
        export=_export_follows,
        erase=_erase_follows,
    )
)
register(
    Contribution(
        section="notifications",
        models=("notifications.Notification",),
        export=_export_notifications,
        erase=_erase_notifications,
        purge=_purge_notifications,
        erase_order=40,  # before the requests: finds the messages sent to her by address
    )
)
register(
    Contribution(
        section="email_suppressions",
        models=("notifications.EmailSuppression",),
        export=_export_suppressions,
        erase=_erase_suppressions,
    )
)
register(
    Contribution(
        section="devices",
        models=("notifications.PushDevice",),
        export=_export_devices,
        erase=_erase_devices,
    )
)
register(
    Contribution(
        section="alert_subscriptions",
        models=("alerts.Subscription",),
        export=_export_subscriptions,
        erase=_erase_subscriptions,
    )
)
register(
    Contribution(
        section="pending_uploads",
        models=("service_requests.Upload",),
        export=_export_uploads,
        erase=_erase_uploads,
        purge=_purge_uploads,
        erase_order=10,
    )
)
register(
    Contribution(section="receipts", models=("service_requests.Receipt",), purge=_purge_receipts)
)
