"""The pending upload moves down from the api app (the portal uses it too): the table is kept
and renamed, its rows and files stay; a guest can own one through her session's key."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import victo_crm.service_requests.models


class Migration(migrations.Migration):
    dependencies = [
        ("service_requests", "0009_place_nearest_address"),
        ("api", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Upload",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        (
                            "file",
                            models.FileField(
                                upload_to=victo_crm.service_requests.models._upload_path,
                                verbose_name="fichier",
                            ),
                        ),
                        ("original_name", models.CharField(max_length=255, verbose_name="nom d’origine")),
                        ("content_type", models.CharField(max_length=50, verbose_name="type")),
                        ("size", models.PositiveIntegerField(verbose_name="taille (octets)")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("expires_at", models.DateTimeField(db_index=True)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="pending_uploads",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "photo téléversée",
                        "verbose_name_plural": "photos téléversées",
                        "db_table": "api_upload",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="upload", table=None),
        migrations.AlterField(
            model_name="upload",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="pending_uploads",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="upload",
            name="owner_key",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AddConstraint(
            model_name="upload",
            constraint=models.CheckConstraint(
                condition=models.Q(("owner__isnull", False), models.Q(("owner_key", ""), _negated=True), _connector="OR"),
                name="upload_has_an_owner",
            ),
        ),
    ]
