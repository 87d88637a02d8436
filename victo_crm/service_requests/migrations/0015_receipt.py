"""One receipt model for everything done once (``service_requests.receipts``): the portal's
resend receipts (``portal.SubmissionReceipt``) and the API's replay records
(``api.IdempotencyKey``) are copied into it here; their tables go in portal 0003 and api 0003.

Reversible: going back copies each receipt into its face's old table again (the portal's
scopes start with ``citizen:`` or ``guest:``, the API's with ``u:``)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

PORTAL_SCOPES = ("citizen:", "guest:")


def to_receipts(apps, schema_editor):
    Receipt = apps.get_model("service_requests", "Receipt")
    IdempotencyKey = apps.get_model("api", "IdempotencyKey")
    SubmissionReceipt = apps.get_model("portal", "SubmissionReceipt")
    kept = settings.VICTO_RETENTION["submission_receipts"]
    Receipt.objects.bulk_create(
        (
            Receipt(
                scope=r.caller,
                key=r.key,
                fingerprint=r.fingerprint,
                # A claim (in progress) has no result yet; a completed call replayed 200
                # when it had no status.
                response_status=None if r.status == "in_progress" else r.response_status or 200,
                response_body=r.response_body,
                response_headers=r.response_headers,
                created_at=r.created_at,
                expires_at=r.expires_at,
            )
            for r in IdempotencyKey.objects.iterator()
        ),
        batch_size=500,
    )
    Receipt.objects.bulk_create(
        (
            Receipt(
                scope=r.scope,
                key=r.token,
                service_request_id=r.service_request_id,
                created_at=r.created_at,
                expires_at=r.created_at + kept,
            )
            for r in SubmissionReceipt.objects.iterator()
        ),
        batch_size=500,
    )


def from_receipts(apps, schema_editor):
    Receipt = apps.get_model("service_requests", "Receipt")
    IdempotencyKey = apps.get_model("api", "IdempotencyKey")
    SubmissionReceipt = apps.get_model("portal", "SubmissionReceipt")
    # Keep each row's own date (these historical models are this migration's alone).
    IdempotencyKey._meta.get_field("created_at").auto_now_add = False
    SubmissionReceipt._meta.get_field("created_at").auto_now_add = False
    receipts = list(Receipt.objects.all())  # a month of forms and a day of API calls at most
    SubmissionReceipt.objects.bulk_create(
        [
            SubmissionReceipt(
                scope=r.scope,
                token=r.key[:64],
                service_request_id=r.service_request_id,
                created_at=r.created_at,
            )
            for r in receipts
            if r.scope.startswith(PORTAL_SCOPES)
        ],
        batch_size=500,
    )
    IdempotencyKey.objects.bulk_create(
        [
            IdempotencyKey(
                caller=r.scope[:40],
                key=r.key,
                fingerprint=r.fingerprint,
                status="in_progress" if r.response_status is None else "completed",
                response_status=r.response_status,
                response_body=r.response_body,
                response_headers=r.response_headers,
                created_at=r.created_at,
                expires_at=r.expires_at,
            )
            for r in receipts
            if not r.scope.startswith(PORTAL_SCOPES)
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("service_requests", "0014_indexes_in_meta"),
        ("api", "0002_upload_moved_to_service_requests"),
        ("portal", "0002_citizen_list_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="Receipt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(max_length=80)),
                ("key", models.CharField(max_length=255)),
                ("fingerprint", models.CharField(blank=True, max_length=64)),
                ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("response_body", models.TextField(blank=True)),
                ("response_headers", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="reçu le")),
                ("expires_at", models.DateTimeField(db_index=True)),
                ("service_request", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="service_requests.servicerequest", verbose_name="requête")),
            ],
            options={
                "verbose_name": "accusé de réception",
                "verbose_name_plural": "accusés de réception",
                "constraints": [models.UniqueConstraint(fields=("scope", "key"), name="receipt_scope_key_unique")],
            },
        ),
        migrations.RunPython(to_receipts, from_receipts),
    ]
