# Written by hand: indexes that only PostgreSQL has (see 0003_bench_indexes).

from django.db import migrations

# The staff search matched UPPER(name) and UPPER(designation) through these; it now matches the
# folded search text (OfficerQuerySet.matching, index from 0007), and every officer written
# need not update three trigram indexes.
UPPER_TRIGRAM_INDEXES = {
    "registry_officer_name_trgm": "name",
    "registry_officer_designation_trgm": "designation",
}


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in UPPER_TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')


def recreate_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, column in UPPER_TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{index}" ON "registry_officer" '
            f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_officer_search_text"),
    ]

    operations = [
        migrations.RunPython(drop_indexes, recreate_indexes),
    ]
