"""Requests filed before the precision was kept apart from the address hold a copy of the
address's French label ("100A, rue Alexandre, app. 3, Victoriaville") as their precision
(``location_text``). Every face names the address itself, in the reader's language, so the
copy is cleared here: a precision is only what the citizen added.

Not reversible in content (the copy is derived from the address; going back leaves the
precision empty, which every face reads the same)."""

from django.db import migrations, models
from django.db.models.functions import Cast, Concat


def clear_address_copies(apps, schema_editor):
    ServiceRequest = apps.get_model("service_requests", "ServiceRequest")
    text = models.CharField()
    # address_label() as it was written before the unit's word was translated.
    french_label = Concat(
        Cast("address__civic_number", text),
        "address__civic_suffix",
        models.Value(", "),
        "address__street",
        models.Case(
            models.When(address__unit="", then=models.Value("")),
            default=Concat(models.Value(", app. "), "address__unit", output_field=text),
            output_field=text,
        ),
        models.Value(", "),
        "address__city",
        output_field=text,
    )
    copies = (
        ServiceRequest.objects.filter(address__isnull=False)
        .exclude(location_text="")
        .annotate(french_label=french_label)
        .filter(location_text=models.F("french_label"))
        .values("pk")
    )
    ServiceRequest.objects.filter(pk__in=copies).update(location_text="")


class Migration(migrations.Migration):
    dependencies = [
        ("service_requests", "0015_receipt"),
        ("places", "0002_address_search_text_normalized"),
    ]

    operations = [migrations.RunPython(clear_address_copies, migrations.RunPython.noop)]
