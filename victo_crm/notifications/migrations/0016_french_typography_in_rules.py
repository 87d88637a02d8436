"""The French words of the notification rules with French typography: « … » and a no-break
space before : ; ? ! (the seeded rules had ordinary spaces). What is sent was already right
(services.rule_message applies it); this makes the admin show what the citizens read."""

from django.db import migrations

from victo_crm.core.typography import french_spacing

FIELDS = ("subject_fr", "body_fr", "follower_subject_fr", "follower_body_fr")


def forwards(apps, schema_editor):
    Rule = apps.get_model("notifications", "NotificationRule")
    for rule in Rule.objects.all():
        changed = [f for f in FIELDS if french_spacing(getattr(rule, f)) != getattr(rule, f)]
        for field in changed:
            setattr(rule, field, french_spacing(getattr(rule, field)))
        if changed:
            rule.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0015_email_complaints")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
