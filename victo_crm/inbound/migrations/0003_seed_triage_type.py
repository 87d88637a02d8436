"""The triage type of mail to the town's request address, its intake team and the
assignment rule that routes it there. Administrators edit all three afterwards (rename,
give the team its members and e-mail, route by zone); `VICTO_INBOUND_TRIAGE_TYPE` names the
type by its code."""

from django.db import migrations

TEAM = ("accueil", "Accueil citoyen", "Citizen intake")
GROUP = ("general", "Demandes générales", "General requests")
TYPE = {
    "code": "a-trier",
    "name_fr": "Courriel à trier",
    "name_en": "E-mail to sort",
    "description_fr": (
        "Un courriel reçu à l’adresse des requêtes de la Ville. Le personnel lui donne le bon "
        "type et le bon lieu."
    ),
    "keywords": "courriel, à trier, autre",
    "description_en": (
        "An e-mail received at the town's request address. Staff give it the right type and "
        "place."
    ),
}


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Workflow = apps.get_model("service_requests", "Workflow")
    RequestGroup = apps.get_model("service_requests", "RequestGroup")
    RequestType = apps.get_model("service_requests", "RequestType")
    AssignmentRule = apps.get_model("service_requests", "AssignmentRule")
    workflow = Workflow.objects.filter(code="default").first()
    if workflow is None or RequestType.objects.filter(code=TYPE["code"]).exists():
        return
    team, _created = Team.objects.get_or_create(
        code=TEAM[0], defaults={"name_fr": TEAM[1], "name_en": TEAM[2]}
    )
    group, _created = RequestGroup.objects.get_or_create(
        code=GROUP[0], defaults={"name_fr": GROUP[1], "name_en": GROUP[2], "order": 99}
    )
    rtype = RequestType.objects.create(
        **TYPE,
        group=group,
        team=team,
        workflow=workflow,
        sla_hours=48,
        location_required=False,
        location_allowed=True,
        photos_allowed=True,
        # Not offered in the portal's or the app's forms: only mail arrives in it.
        is_active=False,
        public_visibility="hidden",
    )
    AssignmentRule.objects.create(
        name="Courriels à trier → Accueil citoyen",
        order=0,
        request_type=rtype,
        team=team,
        strategy="team",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inbound", "0002_initial"),
        ("accounts", "0002_communicationpreference_consent"),
        ("service_requests", "0013_email_channel_and_reclassified"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
