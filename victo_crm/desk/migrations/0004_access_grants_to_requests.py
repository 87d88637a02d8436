"""Access grants now belong to the requests (service_requests 0010 took them over, tables
and all): the desk forgets the model without touching its tables."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('desk', '0003_access_log_break_glass'),
        ('service_requests', '0011_access_grants_from_desk'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='AccessGrant')],
            database_operations=[],
        ),
    ]
