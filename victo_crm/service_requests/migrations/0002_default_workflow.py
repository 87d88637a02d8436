"""Staff roles and the default workflow, present in every installation.

Reçue → En analyse → Assignée → En cours → Résolue, with Fermée sans suite, Doublon and
Rouverte. Administrators edit it afterwards like any other workflow.
"""

from django.db import migrations

ROLES = ("agent", "supervisor", "administrator", "web_editor")
STAFF = ("agent", "supervisor", "administrator")
SUPERVISION = ("supervisor", "administrator")

# code, staff label fr/en, citizen label fr/en, initial, final, open311, sla running
STATES = [
    ("recue", "Reçue", "Received", "Reçue", "Received", True, False, "open", True),
    ("en-analyse", "En analyse", "Under review", "En analyse", "Under review", False, False, "open", True),
    ("assignee", "Assignée", "Assigned", "Prise en charge", "Taken in charge", False, False, "open", True),
    ("en-cours", "En cours", "In progress", "Travaux en cours", "Work in progress", False, False, "open", True),
    ("resolue", "Résolue", "Resolved", "Réglée", "Resolved", False, True, "closed", False),
    ("fermee-sans-suite", "Fermée sans suite", "Closed without action", "Fermée", "Closed", False, True, "closed", False),
    ("doublon", "Doublon", "Duplicate", "Jumelée à une autre requête", "Merged with another request", False, True, "closed", False),
    ("rouverte", "Rouverte", "Reopened", "Rouverte", "Reopened", False, False, "open", True),
]

# from, to, action fr/en, groups, citizen may fire, comment required, notify citizen
TRANSITIONS = [
    ("recue", "en-analyse", "Mettre en analyse", "Start review", STAFF, False, False, False),
    ("recue", "assignee", "Prendre en charge", "Take in charge", STAFF, False, False, True),
    ("recue", "resolue", "Marquer comme réglée", "Mark as resolved", STAFF, False, False, True),
    ("recue", "fermee-sans-suite", "Fermer sans suite", "Close without action", STAFF, False, True, True),
    ("recue", "doublon", "Marquer comme doublon", "Mark as duplicate", STAFF, False, True, True),
    ("en-analyse", "assignee", "Prendre en charge", "Take in charge", STAFF, False, False, True),
    ("en-analyse", "resolue", "Marquer comme réglée", "Mark as resolved", STAFF, False, False, True),
    ("en-analyse", "fermee-sans-suite", "Fermer sans suite", "Close without action", STAFF, False, True, True),
    ("en-analyse", "doublon", "Marquer comme doublon", "Mark as duplicate", STAFF, False, True, True),
    ("assignee", "en-cours", "Commencer les travaux", "Start work", STAFF, False, False, True),
    ("assignee", "resolue", "Marquer comme réglée", "Mark as resolved", STAFF, False, False, True),
    ("assignee", "fermee-sans-suite", "Fermer sans suite", "Close without action", STAFF, False, True, True),
    ("assignee", "doublon", "Marquer comme doublon", "Mark as duplicate", STAFF, False, True, True),
    ("en-cours", "resolue", "Marquer comme réglée", "Mark as resolved", STAFF, False, False, True),
    ("en-cours", "fermee-sans-suite", "Fermer sans suite", "Close without action", STAFF, False, True, True),
    ("resolue", "rouverte", "Rouvrir", "Reopen", STAFF, True, True, True),
    ("fermee-sans-suite", "rouverte", "Rouvrir", "Reopen", SUPERVISION, False, True, True),
    ("doublon", "rouverte", "Annuler le jumelage", "Undo merge", SUPERVISION, False, True, True),
    ("rouverte", "en-analyse", "Mettre en analyse", "Start review", STAFF, False, False, False),
    ("rouverte", "assignee", "Prendre en charge", "Take in charge", STAFF, False, False, True),
    ("rouverte", "resolue", "Marquer comme réglée", "Mark as resolved", STAFF, False, False, True),
    ("rouverte", "fermee-sans-suite", "Fermer sans suite", "Close without action", STAFF, False, True, True),
]


def seed(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("service_requests", "Workflow")
    State = apps.get_model("service_requests", "State")
    Transition = apps.get_model("service_requests", "Transition")

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    if Workflow.objects.filter(code="default").exists():
        return
    workflow = Workflow.objects.create(
        code="default",
        name_fr="Traitement standard",
        name_en="Standard handling",
        description="Flux par défaut : reçue, en analyse, assignée, en cours, résolue.",
        is_active=True,
    )
    states = {}
    for order, (code, lfr, len_, cfr, cen, initial, final, o311, sla) in enumerate(STATES, 1):
        states[code] = State.objects.create(
            workflow=workflow,
            code=code,
            label_fr=lfr,
            label_en=len_,
            citizen_label_fr=cfr,
            citizen_label_en=cen,
            is_initial=initial,
            is_final=final,
            open311_status=o311,
            sla_running=sla,
            order=order,
        )
    for order, (src, dst, afr, aen, roles, citizen, comment, notify) in enumerate(TRANSITIONS, 1):
        transition = Transition.objects.create(
            workflow=workflow,
            from_state=states[src],
            to_state=states[dst],
            label_fr=afr,
            label_en=aen,
            citizen_may_fire=citizen,
            comment_required=comment,
            notify_citizen=notify,
            order=order,
        )
        transition.allowed_groups.set([groups[name] for name in roles])


class Migration(migrations.Migration):
    dependencies = [
        ("service_requests", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
