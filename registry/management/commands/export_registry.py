from django.core.management.base import BaseCommand, CommandError

from registry.management.atomic_files import replaced_when_complete
from registry.spreadsheets.errors import SpreadsheetError
from registry.spreadsheets.formats import format_for_name
from registry.spreadsheets.workbook import export_workbook


class Command(BaseCommand):
    """Write the whole registry to one workbook, a sheet per table, as import_registry reads it."""

    help = "Write the whole registry to one XLSX (or ODS) workbook, one sheet per table."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="The workbook to write, e.g. registry.xlsx or registry.ods."
        )

    def handle(self, *args, path, **options):
        # Straight into a file beside the target, renamed over it when complete: a large
        # registry is never held in memory whole, and an error leaves the old file as it was.
        try:
            format_for_name(path)
            with replaced_when_complete(path) as file:
                export_workbook(path, out=file)
                size = file.tell()
        except SpreadsheetError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from None
        self.stderr.write(f"Wrote {path} ({size:,} bytes).")
