"""A text's delivery report that comes before its text was recorded as sent waits, unlinked,
with the provider's id of the text (notifications.bounces.sms_reports_attach)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0016_french_typography_in_rules'),
    ]

    operations = [
        migrations.AddField(
            model_name='deliveryreceipt',
            name='provider_id',
            field=models.CharField(blank=True, default='', max_length=64, verbose_name='identifiant chez le fournisseur'),
        ),
        migrations.AddIndex(
            model_name='deliveryreceipt',
            index=models.Index(condition=models.Q(('notification__isnull', True), models.Q(('provider_id', ''), _negated=True)), fields=['provider_id'], name='receipt_waiting_provider_idx'),
        ),
    ]
