"""The API's replay records are ``service_requests.Receipt`` now (copied by its 0015)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_upload_moved_to_service_requests"),
        ("service_requests", "0015_receipt"),
    ]

    operations = [
        migrations.DeleteModel(name="IdempotencyKey"),
    ]
