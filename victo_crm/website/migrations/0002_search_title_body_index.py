"""A GIN index on the concatenated title and body vectors of Wagtail's search index.

Wagtail's PostgreSQL backend matches ``(title || body) @@ query``; its own indexes cover
``title`` and ``body`` separately, so without this one every search read the whole index.
PostgreSQL only: SQLite searches through FTS5.
"""

from django.db import migrations

INDEX = "website_search_title_body_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} "
            "ON wagtailsearch_indexentry USING gin ((title || body))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("website", "0001_initial"),
        ("wagtailsearch", "0009_remove_ngram_autocomplete"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
