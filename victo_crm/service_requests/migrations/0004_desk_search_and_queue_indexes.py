"""Indexes for the staff desk at a million requests (issue 4).

Queues list *open* requests, and "open" is ``closed_at IS NULL`` (the workflow engine sets
``closed_at`` exactly when a request reaches a final state), so partial indexes on open
requests stay small as closed requests pile up. Lists are keyset paginated on
(created_at, id), hence the id in each index.

On PostgreSQL, full-text search: ``victo_request_document`` builds a French tsvector of the
description, contact name, e-mail and phone digits with accents removed (``unaccent``); a
trigger stores it in ``search_document`` on every insert and update (so the services, the
admin and bulk loaders need not know), and a GIN index covers the column. A stored vector
rather than an expression index: filtering a queue walk by the words then costs a lookup,
not a French stemming of each row. ``unaccent`` is only STABLE, so it is wrapped in an
IMMUTABLE SQL function; the dictionary is named explicitly so the result never depends on
the search_path. On SQLite the column stays empty: the desk searches a folded text there.

These indexes are not in the models' Meta (partial and DESC indexes are written by hand), so
``makemigrations`` does not see them: this file is their only definition.
"""

import django.contrib.postgres.search
from django.db import migrations

QUEUE_INDEXES = [
    (
        "desk_open_team_created",
        "(team_id, created_at DESC, id DESC) WHERE closed_at IS NULL",
    ),
    (
        "desk_open_unassigned_created",
        "(team_id, created_at DESC, id DESC) WHERE closed_at IS NULL AND assignee_id IS NULL",
    ),
    (
        # team_id included: "mine" is also limited to the agent's teams, and its capped
        # count then reads the index alone.
        "desk_open_assignee_created",
        "(assignee_id, created_at DESC, id DESC) INCLUDE (team_id) WHERE closed_at IS NULL",
    ),
    (
        "desk_open_team_priority",
        "(team_id, priority DESC, created_at DESC, id DESC) WHERE closed_at IS NULL",
    ),
    ("desk_open_team_due", "(team_id, due_at, id) WHERE closed_at IS NULL"),
    (
        "desk_open_team_citizen",
        "(team_id, citizen_updated_at DESC, id DESC) WHERE closed_at IS NULL",
    ),
    ("desk_created_id", "(created_at DESC, id DESC)"),
    ("desk_closed_at", "(closed_at) WHERE closed_at IS NOT NULL"),
]

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
    execute = schema_editor.execute
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, definition in QUEUE_INDEXES:
        if not postgres:  # SQLite has no covering indexes
            definition = definition.replace(" INCLUDE (team_id)", "")
        execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} {definition}")
    if postgres:
        for statement in POSTGRES_SEARCH:
            execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_SEARCH_REVERSE:
            schema_editor.execute(statement)
    for name, _definition in QUEUE_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


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
