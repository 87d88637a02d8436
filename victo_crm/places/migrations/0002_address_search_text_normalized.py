"""Recompute every address's search text with the address normaliser (abbreviations spelled
out, punctuation as spaces, city included), so a query written any usual way finds it."""

from django.db import migrations

from victo_crm.core.text import normalize_address


def recompute(apps, schema_editor):
    Address = apps.get_model("places", "Address")
    batch = []
    for address in Address.objects.only(
        "civic_number", "civic_suffix", "street", "unit", "postal_code", "city"
    ).iterator(chunk_size=2000):
        address.search_text = normalize_address(
            f"{address.civic_number}{address.civic_suffix} {address.street} {address.unit} "
            f"{address.postal_code} {address.city}"
        )[:255]
        batch.append(address)
        if len(batch) >= 2000:
            Address.objects.bulk_update(batch, ["search_text"])
            batch = []
    Address.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
