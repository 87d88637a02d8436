"""Indexes for the staff desk at a million requests (issue 4).

On PostgreSQL, full-text search: ``victo_request_document`` builds a French tsvector of the
description, contact name, e-mail and phone digits with accents removed (``unaccent``); a
trigger stores it in ``search_document`` on every insert and update (so the services, the
admin and bulk loaders need not know), and a GIN index covers the column. A stored vector
rather than an expression index: filtering a queue walk by the words then costs a lookup,
not a French stemming of each row. ``unaccent`` is only STABLE, so it is wrapped in an
IMMUTABLE SQL function; the dictionary is named explicitly so the result never depends on
the search_path. On SQLite the column stays empty: the desk searches a folded text there.

The queue indexes first written here (partial, descending) are declared in
``ServiceRequest.Meta.indexes`` and created by migration 0014 (which keeps those a database
migrated earlier already has).
"""

import django.contrib.postgres.search
from django.db import migrations

TABLE = "service_requests_servicerequest"

POSTGRES_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    CREATE OR REPLACE FUNCTION victo_unaccent(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS
    $$ SELECT public.unaccent('public.unaccent'::regdictionary, value) $$
    """,
    """
    CREATE OR REPLACE FUNCTION victo_request_document(
        description text, contact_name text, contact_email text, contact_phone text
    ) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
    $$ SELECT to_tsvector(
        'pg_catalog.french'::regconfig,
        public.victo_unaccent(lower(
            coalesce(description, '') || ' ' || coalesce(contact_name, '') || ' '
            || coalesce(contact_email, '') || ' '
            || regexp_replace(coalesce(contact_phone, ''), '[^0-9]', '', 'g')
        ))
    ) $$
    """,
    """
    CREATE OR REPLACE FUNCTION victo_request_document_trigger() RETURNS trigger
    LANGUAGE plpgsql AS
    $$ BEGIN
        NEW.search_document := victo_request_document(
            NEW.description, NEW.contact_name, NEW.contact_email, NEW.contact_phone
        );
        RETURN NEW;
    END $$
    """,
    f"DROP TRIGGER IF EXISTS victo_request_document ON {TABLE}",
    f"""
    CREATE TRIGGER victo_request_document BEFORE INSERT OR UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION victo_request_document_trigger()
    """,
    f"""
    UPDATE {TABLE} SET search_document = victo_request_document(
        description, contact_name, contact_email, contact_phone
    )
    """,
    f"CREATE INDEX IF NOT EXISTS desk_request_search ON {TABLE} USING gin (search_document)",
]

POSTGRES_SEARCH_REVERSE = [
    "DROP INDEX IF EXISTS desk_request_search",
    f"DROP TRIGGER IF EXISTS victo_request_document ON {TABLE}",
    "DROP FUNCTION IF EXISTS victo_request_document_trigger()",
    "DROP FUNCTION IF EXISTS victo_request_document(text, text, text, text)",
    "DROP FUNCTION IF EXISTS victo_unaccent(text)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_SEARCH:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_SEARCH_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("service_requests", "0003_servicerequest_merged_into_servicerequest_rated_at_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
