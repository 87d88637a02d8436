"""An index for "My requests" at a million requests (issue 3).

"Open" is ``closed_at IS NULL`` (the workflow engine sets ``closed_at`` exactly when a
request reaches a final state; the desk's queue indexes rely on the same rule). Most of a
long-time citizen's requests are closed, so the open list used to read every one of their
rows to find the few open ones; this partial index gives them in display order, and the list
is keyset paginated on (created_at, id), hence the id. The closed and "all" lists use the
(citizen, -created_at) index of the model.

Written by hand (partial, DESC), like the desk's: ``makemigrations`` does not see it, so this
file is its only definition. It is on the service_requests table but belongs to the portal,
which is the only reader that needs it.
"""

from django.db import migrations

TABLE = "service_requests_servicerequest"
INDEXES = [
    ("portal_citizen_open", "(citizen_id, created_at DESC, id DESC) WHERE closed_at IS NULL"),
]


def forwards(apps, schema_editor):
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} {definition}")


def backwards(apps, schema_editor):
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_submission_receipt"),
        ("service_requests", "0004_desk_search_and_queue_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
