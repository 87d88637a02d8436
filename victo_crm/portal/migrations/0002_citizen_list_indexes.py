"""Once the portal's index for "My requests" on the service_requests table.

The index (``portal_citizen_open``: a citizen's open requests in display order) is declared
in ``ServiceRequest.Meta.indexes`` and created by service_requests migration 0014, which
keeps the one a database migrated earlier got from this file. Kept, empty, for the
migration history.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_submission_receipt"),
        ("service_requests", "0004_desk_search_and_queue_indexes"),
    ]

    operations = []
