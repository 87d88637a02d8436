"""The portal's resend receipts are ``service_requests.Receipt`` now (copied by its 0015)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_citizen_list_indexes"),
        ("service_requests", "0015_receipt"),
    ]

    operations = [
        migrations.DeleteModel(name="SubmissionReceipt"),
    ]
