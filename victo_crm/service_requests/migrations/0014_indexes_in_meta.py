"""The desk's queue indexes (written by hand in migration 0004) and the citizen's open list
index (written by hand in portal 0002, on this app's table) are declared in
``ServiceRequest.Meta.indexes``, so ``makemigrations --check`` guards them.

A database migrated before this one has them already, under the same names and with the
same definitions: they are kept as they are (no rebuild). A fresh database gets them here,
from the Meta declarations (0004 and portal 0002 no longer create them).
"""

from django.conf import settings
from django.db import migrations, models


INDEXES = [
    models.Index(condition=models.Q(('closed_at__isnull', True)), fields=['team', '-created_at', '-id'], name='desk_open_team_created'),
    models.Index(condition=models.Q(('closed_at__isnull', True), ('assignee__isnull', True)), fields=['team', '-created_at', '-id'], name='desk_open_unassigned_created'),
    models.Index(condition=models.Q(('closed_at__isnull', True)), fields=['assignee', '-created_at', '-id'], include=('team',), name='desk_open_assignee_created'),
    models.Index(condition=models.Q(('closed_at__isnull', True)), fields=['team', '-priority', '-created_at', '-id'], name='desk_open_team_priority'),
    models.Index(condition=models.Q(('closed_at__isnull', True)), fields=['team', 'due_at', 'id'], name='desk_open_team_due'),
    models.Index(condition=models.Q(('closed_at__isnull', True)), fields=['team', '-citizen_updated_at', '-id'], name='desk_open_team_citizen'),
    models.Index(fields=['-created_at', '-id'], name='desk_created_id'),
    models.Index(condition=models.Q(('closed_at__isnull', False)), fields=['closed_at'], name='desk_closed_at'),
    models.Index(condition=models.Q(('closed_at__isnull', True)), fields=['citizen', '-created_at', '-id'], name='portal_citizen_open'),
]


def create_missing(apps, schema_editor):
    model = apps.get_model("service_requests", "ServiceRequest")
    with schema_editor.connection.cursor() as cursor:
        existing = schema_editor.connection.introspection.get_constraints(
            cursor, model._meta.db_table
        )
    for index in INDEXES:
        if index.name not in existing:
            schema_editor.add_index(model, index)


def remove(apps, schema_editor):
    model = apps.get_model("service_requests", "ServiceRequest")
    for index in INDEXES:
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_communicationpreference_consent"),
        ("places", "0002_address_search_text_normalized"),
        ("service_requests", "0013_email_channel_and_reclassified"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create_missing, remove)],
            state_operations=[
                migrations.AddIndex(model_name="servicerequest", index=index) for index in INDEXES
            ],
        )
    ]
