"""A citizen's rights under Law 25, for the portal and the mobile API alike: the export of
everything we hold about her (one ZIP archive: ``data.json``, the same data as CSV files, and
her files), the deletion of her account, and the retention purge run by beat.

The archive (``FORMAT``) holds:

- ``data.json``: ``format``, ``exported_at``, then one key per registered contribution that
  exports (``profile``, ``email_addresses``, ``preferences``, ``consents``, ``sign_in``,
  ``requests``, ``followed_requests``, ``notifications``, ``email_suppressions``,
  ``devices``, ``alert_subscriptions``, ``pending_uploads``, ``api_replays``,
  ``submission_receipts``, ``consultations``); see docs/portal.md;
- ``csv/<key>.csv``: each list of ``data.json`` as a table for a spreadsheet;
- ``photos/<reference>/…``: the original of each photo she attached to a request;
  ``uploads/…``: photos sent ahead of a submission not yet made. ``data.json`` names each
  file by its path in the archive."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .registry import Bundle, Subject, contributions

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

FORMAT = "victo-crm/donnees-personnelles/1"


def subject_for(user: User) -> Subject:
    """Who she is to the export and the erasure: her verified e-mails, her requests (with
    those filed without an account under one of those e-mails), her identifiers."""
    from allauth.account.models import EmailAddress

    from victo_crm.service_requests.models import ServiceRequest

    addresses = list(EmailAddress.objects.filter(user=user).values_list("email", "verified"))
    verified = frozenset(email.lower() for email, is_verified in addresses if is_verified)
    guest = Q(pk__in=[])
    for email in verified:
        guest |= Q(citizen__isnull=True, contact_email__iexact=email)
    requests = ServiceRequest.objects.filter(Q(citizen=user) | guest)
    request_ids = tuple(requests.order_by("pk").values_list("pk", flat=True))
    identifiers = {user.email, user.phone, *(email for email, _v in addresses)}
    full_name = f"{user.first_name} {user.last_name}".strip()
    identifiers |= {full_name, user.first_name, user.last_name}
    for name, email, phone in requests.values_list(
        "contact_name", "contact_email", "contact_phone"
    ):
        identifiers |= {name, email, phone, *name.split()}
    # A one- or two-letter fragment ("J.", "Li") would blot out ordinary words.
    kept = tuple(sorted(i.strip() for i in identifiers if i and len(i.strip()) >= 3))
    return Subject(user=user, emails=verified, request_ids=request_ids, identifiers=kept)


# --- Export --------------------------------------------------------------------------------------


def personal_data(*, user: User, bundle: Bundle | None = None) -> dict[str, Any]:
    """Everything we hold about ``user``, as plain data (``data.json`` of the archive)."""
    subject = subject_for(user)
    bundle = bundle or Bundle()
    data: dict[str, Any] = {"format": FORMAT, "exported_at": timezone.now()}
    for contribution in contributions():
        if contribution.export is not None:
            data[contribution.section] = contribution.export(subject, bundle)
    return data


def personal_data_json(data: dict[str, Any]) -> str:
    """``data.json``: the same text in the archive and in the API's JSON answer."""
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def personal_data_archive(*, user: User) -> bytes:
    """The one download of the right of access and portability: a ZIP archive."""
    bundle = Bundle()
    data = personal_data(user=user, bundle=bundle)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", personal_data_json(data))
        for name, rows in _tables(data):
            archive.writestr(f"csv/{name}.csv", _csv(rows))
        for path, storage, name in bundle.files:
            with storage.open(name, "rb") as handle:
                # Photos are already compressed.
                archive.writestr(path, handle.read(), compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def _tables(data: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    tables = []
    for key, value in data.items():
        if isinstance(value, dict):
            for sub, rows in value.items():
                if isinstance(rows, list):
                    tables.append((f"{key}_{sub}", rows))
            scalars = {k: v for k, v in value.items() if not isinstance(v, list)}
            if scalars:
                tables.append((key, [scalars]))
        elif isinstance(value, list):
            tables.append((key, value))
    return tables


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        # A leading =, +, - or @ would run as a formula in a spreadsheet.
        return "'" + value if value[:1] in ("=", "+", "-", "@") else value
    if isinstance(value, list | dict):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    if isinstance(value, bool | int | float):
        return str(value)
    return str(DjangoJSONEncoder().default(value))


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if rows and isinstance(rows[0], dict):
        columns = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _cell(value) for key, value in row.items()})
    elif rows:
        writer_ = csv.writer(out)
        for item in rows:
            writer_.writerow([_cell(item)])
    return "\ufeff" + out.getvalue()  # the BOM lets spreadsheets read UTF-8 accents


# --- Deletion ------------------------------------------------------------------------------------


@transaction.atomic
def account_delete(*, user: User, password: str) -> int:
    """Delete the citizen's account after checking her password again.

    Every contribution erases its part in one transaction: what is hers alone is destroyed
    (profile, addresses, preferences, consents, devices, subscriptions, messages to her,
    pending uploads, API replays, resend receipts, sessions); the town's records (her
    requests, including those she filed without an account under a verified e-mail, and the
    messages sent to others about them) stay with nothing that identifies her. Files are
    deleted from storage once the transaction commits. Returns the number of requests kept
    anonymised."""
    if not password or not user.check_password(password):
        raise ValidationError({"password": [_("Mot de passe incorrect.")]})
    subject = subject_for(user)
    for contribution in sorted(contributions(), key=lambda c: c.erase_order):
        if contribution.erase is not None:
            contribution.erase(subject)
    return len(subject.request_ids)


# --- Retention -----------------------------------------------------------------------------------


def retention_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Apply every retention period (``settings.VICTO_RETENTION``); returns what each
    contribution removed. Run by beat (``privacy.purge``); safe to run any time."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for contribution in contributions():
        if contribution.purge is not None:
            with transaction.atomic():
                for key, value in contribution.purge(now).items():
                    counts[f"{contribution.section}.{key}"] = value
    return counts
