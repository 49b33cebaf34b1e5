"""On PostgreSQL, a trigram GIN index makes the `LIKE '% term%'` search over `search_text` indexed.

SQLite (the try-it-out database) keeps the plain B-tree index of 0001. When the database user may not
create the pg_trgm extension, the index is skipped (the search still works, with a sequential scan).
"""

from django.db import migrations, transaction


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                "CREATE INDEX IF NOT EXISTS catalog_procedure_search_trgm "
                "ON catalog_procedure USING gin (search_text gin_trgm_ops)"
            )
    except Exception:  # noqa: BLE001 - a missing privilege must not block the migration
        return


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_procedure_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False)]
