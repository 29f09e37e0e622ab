from django.core.management.base import BaseCommand, CommandError

from registry.spreadsheets.errors import SpreadsheetError
from registry.spreadsheets.workbook import export_workbook


class Command(BaseCommand):
    """Write the whole registry to one workbook, a sheet per table, as import_registry reads it."""

    help = "Write the whole registry to one XLSX (or ODS) workbook, one sheet per table."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="The workbook to write, e.g. registry.xlsx or registry.ods."
        )

    def handle(self, *args, path, **options):
        # Straight into the file: a large registry is never held in memory whole.
        try:
            with open(path, "wb") as file:
                export_workbook(path, out=file)
                size = file.tell()
        except SpreadsheetError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(f"Wrote {path} ({size:,} bytes).")
