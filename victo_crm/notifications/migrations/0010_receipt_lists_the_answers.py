"""The receipt rule as seeded now lists the citizen's answers ({{ details }}), each choice in
the recipient's language. A rule an administrator edited is left as they wrote it."""

from django.db import migrations

SEEDED_FR = (
    "Bonjour {{ citizen_name }},\n\nNous avons bien reçu votre requête « {{ request_type }} » "
    "({{ reference }}). Nous vous aviserons à chaque étape de son traitement.\n\n"
    "Lieu : {{ location }}"
)
SEEDED_EN = (
    "Hello {{ citizen_name }},\n\nWe received your request “{{ request_type }}” "
    "({{ reference }}). We will let you know at each step.\n\nLocation: {{ location }}"
)


def forwards(apps, schema_editor):
    Rule = apps.get_model("notifications", "NotificationRule")
    rules = Rule.objects.filter(event="request_received", body_fr=SEEDED_FR, body_en=SEEDED_EN)
    rules.update(body_fr=SEEDED_FR + "\n\n{{ details }}", body_en=SEEDED_EN + "\n\n{{ details }}")


def backwards(apps, schema_editor):
    Rule = apps.get_model("notifications", "NotificationRule")
    rules = Rule.objects.filter(
        event="request_received",
        body_fr=SEEDED_FR + "\n\n{{ details }}",
        body_en=SEEDED_EN + "\n\n{{ details }}",
    )
    rules.update(body_fr=SEEDED_FR, body_en=SEEDED_EN)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0009_follower_messages")]

    operations = [migrations.RunPython(forwards, backwards)]
