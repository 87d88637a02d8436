"""Sensible notification rules in every installation: receipt, state changes the citizen
should know, public replies, merges, and SLA warnings to the team. Administrators edit
them afterwards like any other rule."""

from django.db import migrations

CITIZEN = {"to_requester": True, "to_followers": True, "to_assignee": False, "to_team": False}
STAFF = {"to_requester": False, "to_followers": False, "to_assignee": True, "to_team": True}

RULES = [
    (
        "Accusé de réception",
        "request_received",
        CITIZEN,
        ["email", "in_app"],
        "Nous avons reçu votre requête {{ reference }}",
        "We received your request {{ reference }}",
        "Bonjour {{ citizen_name }},\n\nNous avons bien reçu votre requête « {{ request_type }} » "
        "({{ reference }}). Nous vous aviserons à chaque étape de son traitement.\n\n"
        "Lieu : {{ location }}",
        "Hello {{ citizen_name }},\n\nWe received your request “{{ request_type }}” "
        "({{ reference }}). We will let you know at each step.\n\nLocation: {{ location }}",
    ),
    (
        "Changement d’état",
        "state_changed",
        CITIZEN,
        ["email", "in_app"],
        "Votre requête {{ reference }} : {{ state }}",
        "Your request {{ reference }}: {{ state }}",
        "Bonjour {{ citizen_name }},\n\nVotre requête « {{ request_type }} » ({{ reference }}) "
        "est maintenant à l’étape : {{ state }}.\n\n{{ message }}",
        "Hello {{ citizen_name }},\n\nYour request “{{ request_type }}” ({{ reference }}) "
        "is now: {{ state }}.\n\n{{ message }}",
    ),
    (
        "Réponse du personnel",
        "public_reply",
        CITIZEN,
        ["email", "in_app"],
        "Nouvelle réponse à votre requête {{ reference }}",
        "New reply to your request {{ reference }}",
        "Bonjour {{ citizen_name }},\n\nLa Ville a répondu à votre requête "
        "« {{ request_type }} » ({{ reference }}) :\n\n{{ message }}",
        "Hello {{ citizen_name }},\n\nThe City replied to your request "
        "“{{ request_type }}” ({{ reference }}):\n\n{{ message }}",
    ),
    (
        "Requête jumelée",
        "request_merged",
        CITIZEN,
        ["email", "in_app"],
        "Votre requête {{ reference }} a été jumelée",
        "Your request {{ reference }} was merged",
        "Bonjour {{ citizen_name }},\n\n{{ message }}",
        "Hello {{ citizen_name }},\n\n{{ message }}",
    ),
    (
        "Échéance bientôt dépassée (équipe)",
        "sla_warning",
        STAFF,
        ["email"],
        "[{{ reference }}] Échéance proche : {{ due_at }}",
        "[{{ reference }}] Due soon: {{ due_at }}",
        "La requête {{ reference }} ({{ request_type }}, priorité {{ priority }}) arrive à "
        "échéance le {{ due_at }}.\nÉtat : {{ state }}\nResponsable : {{ assignee }}",
        "Request {{ reference }} ({{ request_type }}, priority {{ priority }}) is due on "
        "{{ due_at }}.\nState: {{ state }}\nAssignee: {{ assignee }}",
    ),
    (
        "Échéance dépassée (équipe)",
        "sla_breached",
        STAFF,
        ["email"],
        "[{{ reference }}] Échéance dépassée",
        "[{{ reference }}] Overdue",
        "La requête {{ reference }} ({{ request_type }}) a dépassé son échéance du {{ due_at }}."
        "\nÉtat : {{ state }}\nResponsable : {{ assignee }}",
        "Request {{ reference }} ({{ request_type }}) is past its due date of {{ due_at }}."
        "\nState: {{ state }}\nAssignee: {{ assignee }}",
    ),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("notifications", "NotificationRule")
    for order, (name, event, recipients, channels, sfr, sen, bfr, ben) in enumerate(RULES, 1):
        if Rule.objects.filter(event=event, name=name).exists():
            continue
        Rule.objects.create(
            name=name,
            event=event,
            channels=channels,
            subject_fr=sfr,
            subject_en=sen,
            body_fr=bfr,
            body_en=ben,
            order=order,
            **recipients,
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_outbox_rules")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
