"""Full-text index over SearchDocument: FTS5 on SQLite, a weighted tsvector on PostgreSQL.

Each database only gets its own SQL. On SQLite the FTS5 table uses SearchDocument as
external content and triggers keep it in step; note that Django rebuilds SQLite tables
for many ALTERs, which drops triggers: a later migration that alters SearchDocument must
run ``SQLITE_TRIGGERS`` again. Tokens are pre-segmented by the application (letters and
digits separated by spaces), so FTS5's ``ascii`` tokenizer and PostgreSQL's ``simple``
configuration read them back unchanged.
"""

from django.db import migrations

FTS = "helpcenter_search_fts"
DOC = "helpcenter_searchdocument"

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
        title_terms, body_terms, content='{DOC}', content_rowid='id', tokenize='ascii'
    )""",
    f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON {DOC} BEGIN
        INSERT INTO {FTS}(rowid, title_terms, body_terms)
        VALUES (new.id, new.title_terms, new.body_terms);
    END""",
    f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON {DOC} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title_terms, body_terms)
        VALUES ('delete', old.id, old.title_terms, old.body_terms);
    END""",
    f"""CREATE TRIGGER {FTS}_au AFTER UPDATE ON {DOC} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title_terms, body_terms)
        VALUES ('delete', old.id, old.title_terms, old.body_terms);
        INSERT INTO {FTS}(rowid, title_terms, body_terms)
        VALUES (new.id, new.title_terms, new.body_terms);
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TABLE IF EXISTS {FTS}",
]

POSTGRES_FORWARD = [
    f"""ALTER TABLE {DOC} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, title_terms), 'A')
        || setweight(to_tsvector('simple'::regconfig, body_terms), 'B')
    ) STORED""",
    # rebuild_index() flushes the GIN pending lists afterwards (see PostgresBackend.optimize).
    f"CREATE INDEX helpcenter_searchdoc_vector_gin ON {DOC} USING gin (search_vector)",
    # Titles alone: small, never TOASTed vectors, so "title matches first" stays cheap for
    # words that appear in thousands of bodies.
    f"""ALTER TABLE {DOC} ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, title_terms), 'A')
    ) STORED""",
    f"CREATE INDEX helpcenter_searchdoc_title_gin ON {DOC} USING gin (title_vector)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS helpcenter_searchdoc_title_gin",
    f"ALTER TABLE {DOC} DROP COLUMN IF EXISTS title_vector",
    "DROP INDEX IF EXISTS helpcenter_searchdoc_vector_gin",
    f"ALTER TABLE {DOC} DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("helpcenter", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
