"""Followers get words of their own (issue 14): the rules that tell them gain a follower
message, seeded here in French and English for the default rules and for any rule an
administrator made that names the followers. Those messages name nothing of the requester
(placeholders.FOLLOWER_PLACEHOLDERS); until now a follower received the requester's message,
"Bonjour Marie Tremblay…" and a reply written to her included."""

from django.db import migrations, models

STATE = (
    "Requête suivie {{ reference }} : {{ state }}",
    "Request you follow {{ reference }}: {{ state }}",
    "Bonjour,\n\nLa requête « {{ request_type }} » ({{ reference }}) que vous suivez est "
    "maintenant à l’étape : {{ state }}.\n\n{{ message }}",
    "Hello,\n\nThe request “{{ request_type }}” ({{ reference }}) you follow is now: "
    "{{ state }}.\n\n{{ message }}",
)

FOLLOWER_MESSAGES = {
    "state_changed": STATE,
    "public_reply": (
        "Requête suivie {{ reference }} : message de la Ville",
        "Request you follow {{ reference }}: a message from the City",
        "Bonjour,\n\nLa Ville a publié un message au sujet de la requête "
        "« {{ request_type }} » ({{ reference }}) que vous suivez :\n\n{{ message }}",
        "Hello,\n\nThe City posted a message about the request “{{ request_type }}” "
        "({{ reference }}) you follow:\n\n{{ message }}",
    ),
    "request_merged": (
        "Requête suivie {{ reference }} : jumelée à une autre",
        "Request you follow {{ reference }}: merged with another",
        "Bonjour,\n\nLa requête « {{ request_type }} » ({{ reference }}) que vous suivez "
        "signale le même problème qu’une autre requête : elles ont été jumelées. Vous suivez "
        "maintenant l’autre requête et recevrez ses nouvelles comme avant.",
        "Hello,\n\nThe request “{{ request_type }}” ({{ reference }}) you follow reports the "
        "same problem as another request: they were merged. You now follow the other request "
        "and will hear its news as before.",
    ),
}


def fill(apps, schema_editor):
    """Give every rule that names the followers a follower message (and, for the seeded
    citizen rules, name them: the new default is not to)."""
    Rule = apps.get_model("notifications", "NotificationRule")
    for rule in Rule.objects.filter(to_followers=True, follower_body_fr=""):
        sfr, sen, bfr, ben = FOLLOWER_MESSAGES.get(rule.event, STATE)
        rule.follower_subject_fr, rule.follower_subject_en = sfr, sen
        rule.follower_body_fr, rule.follower_body_en = bfr, ben
        rule.save(
            update_fields=[
                "follower_subject_fr",
                "follower_subject_en",
                "follower_body_fr",
                "follower_body_en",
            ]
        )


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0008_lean_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='notificationrule',
            name='follower_body_en',
            field=models.TextField(blank=True, verbose_name='message aux abonnés (anglais)'),
        ),
        migrations.AddField(
            model_name='notificationrule',
            name='follower_body_fr',
            field=models.TextField(blank=True, verbose_name='message aux abonnés (français)'),
        ),
        migrations.AddField(
            model_name='notificationrule',
            name='follower_subject_en',
            field=models.CharField(blank=True, max_length=255, verbose_name='objet aux abonnés (anglais)'),
        ),
        migrations.AddField(
            model_name='notificationrule',
            name='follower_subject_fr',
            field=models.CharField(blank=True, max_length=255, verbose_name='objet aux abonnés (français)'),
        ),
        migrations.AlterField(
            model_name='notificationrule',
            name='to_followers',
            field=models.BooleanField(default=False, help_text='Les personnes qui suivent une requête faite par une autre reçoivent le message aux abonnés ci-dessous, jamais celui du demandeur.', verbose_name='les abonnés de la requête'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
