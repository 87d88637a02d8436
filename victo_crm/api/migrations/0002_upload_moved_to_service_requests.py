"""The pending upload now belongs to service_requests (its table was renamed there)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("service_requests", "0010_upload_moved_from_api"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Upload")],
            database_operations=[],
        ),
    ]
