"""The alert topics every installation offers; administrators edit them afterwards."""

from django.db import migrations

TOPICS = [
    ("ordures", "collection", "Ordures ménagères", "Garbage", "Collecte des déchets ultimes (bac noir).", "Household garbage (black bin)."),
    ("recyclage", "collection", "Recyclage", "Recycling", "Collecte des matières recyclables (bac bleu).", "Recyclables (blue bin)."),
    ("compost", "collection", "Matières organiques", "Compost", "Collecte des matières organiques (bac brun).", "Organic waste (brown bin)."),
    ("encombrants", "collection", "Encombrants", "Bulky items", "Collecte des gros objets.", "Bulky items pickup."),
    ("residus-verts", "collection", "Résidus verts", "Green waste", "Feuilles, gazon et branches, en saison.", "Leaves, grass and branches, in season."),
    ("sapins", "collection", "Sapins de Noël", "Christmas trees", "Collecte des sapins naturels en janvier.", "Natural Christmas trees, in January."),
    ("travaux", "road_works", "Travaux routiers", "Road works", "Fermetures de rues, détours et chantiers.", "Street closures, detours and work sites."),
    ("urgences", "emergency", "Urgences", "Emergencies", "Avis d’ébullition, fermetures d’urgence, sinistres.", "Boil-water notices, emergency closures, disasters."),
    ("nouvelles", "news", "Nouvelles de la Ville", "City news", "Activités, consultations et annonces.", "Events, consultations and announcements."),
]


def seed(apps, schema_editor):
    AlertTopic = apps.get_model("alerts", "AlertTopic")
    for order, (code, category, nfr, nen, dfr, den) in enumerate(TOPICS, 1):
        AlertTopic.objects.get_or_create(
            code=code,
            defaults={
                "category": category,
                "name_fr": nfr,
                "name_en": nen,
                "description_fr": dfr,
                "description_en": den,
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
