import importlib

from registry.history import recorded_as

# django-import-export's command module is named `import`, a keyword.
ImportCommand = importlib.import_module("import_export.management.commands.import").Command


class Command(ImportCommand):
    """
    django-import-export's `import` command, with the change history of every record it writes
    naming the command and the file (registry comes before import_export in INSTALLED_APPS,
    so this command is the one `manage.py import` runs).
    """

    def handle(self, *args, **options):
        with recorded_as(reason=f"manage.py import {options['import_file_name']}"):
            return super().handle(*args, **options)
