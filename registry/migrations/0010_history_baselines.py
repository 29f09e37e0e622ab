"""A baseline historical record for every record written without history (fixtures, COPY)."""

from django.db import migrations


def write_baselines(apps, schema_editor):
    from registry.history import write_baselines

    write_baselines(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_text_fields_one_line_or_multi_line")]

    operations = [migrations.RunPython(write_baselines, migrations.RunPython.noop)]
