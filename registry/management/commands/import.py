import importlib

from django.core.management.base import CommandError

from registry.history import recorded_as
from registry.spreadsheets.containers import refuse_name_mismatch
from registry.spreadsheets.errors import SpreadsheetError

# django-import-export's command module is named `import`, a keyword.
ImportCommand = importlib.import_module("import_export.management.commands.import").Command


class Command(ImportCommand):
    """
    django-import-export's `import` command, with the change history of every record it writes
    naming the command and the file (registry comes before import_export in INSTALLED_APPS,
    so this command is the one `manage.py import` runs). A file that cannot be read is a
    CommandError with the SpreadsheetError's message: printed, exit status 1, no traceback,
    as is a `--format` that the file's name contradicts (cities.ods with --format XLSX).
    """

    def handle(self, *args, **options):
        try:
            format_name = (options.get("format") or "").rsplit(".", 1)[-1]
            if format_name and options["import_file_name"] != "-":
                refuse_name_mismatch(options["import_file_name"], format_name)
            with recorded_as(reason=f"manage.py import {options['import_file_name']}"):
                return super().handle(*args, **options)
        except SpreadsheetError as error:
            raise CommandError(str(error)) from None
