"""Every field of every model is classified (``privacy.inventory``), and every model holding
a citizen's personal data is both exported and erased by a registered contribution. A new
model or field anywhere fails here until someone decides what it is."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from victo_crm.privacy import inventory, registry


def _fields(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.concrete_fields} | {
        f.name for f in model._meta.many_to_many
    }


def test_every_model_field_is_classified_as_personal_or_not() -> None:
    unclassified = []
    for model in apps.get_models():
        label = model._meta.label
        if label in inventory.REVIEWED_MODELS:
            continue
        known = inventory.PERSONAL.get(label, frozenset()) | inventory.NOT_PERSONAL.get(
            label, frozenset()
        )
        unclassified += [f"{label}.{name}" for name in sorted(_fields(model) - known)]
    assert not unclassified, (
        "Classify these fields in victo_crm/privacy/inventory.py (personal data: also export "
        f"and erase them): {unclassified}"
    )


def test_the_inventory_names_only_fields_that_exist() -> None:
    stale = []
    for label, names in [*inventory.PERSONAL.items(), *inventory.NOT_PERSONAL.items()]:
        model = apps.get_model(label)
        stale += [f"{label}.{name}" for name in sorted(names - _fields(model))]
    assert not stale
    # (REVIEWED_MODELS is not checked: Wagtail defines its SQLite search table only on SQLite.)
    overlap = [
        f"{label}.{name}"
        for label, names in inventory.PERSONAL.items()
        for name in names & inventory.NOT_PERSONAL.get(label, frozenset())
    ]
    assert not overlap


def test_every_file_field_is_classified() -> None:
    """A stored file is personal data unless reviewed: the public copy of a photo is not."""
    for model in apps.get_models():
        label = model._meta.label
        if label in inventory.REVIEWED_MODELS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                assert field.name in inventory.PERSONAL.get(label, frozenset()) | (
                    inventory.NOT_PERSONAL.get(label, frozenset())
                ), f"{label}.{field.name}"


def test_every_model_with_personal_data_is_exported_and_erased() -> None:
    personal = set(inventory.PERSONAL)
    assert personal - registry.exported_models() == set()
    assert personal - registry.erased_models() == set()
    # And no contribution claims a model the inventory does not know as personal.
    assert (registry.exported_models() | registry.erased_models()) - personal == set()


def test_every_contribution_has_its_own_section_of_the_export() -> None:
    sections = [c.section for c in registry.contributions()]
    assert len(sections) == len(set(sections))
    assert {"requests", "pending_uploads", "api_replays", "submission_receipts"} <= set(sections)
