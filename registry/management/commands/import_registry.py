from django.core.management.base import BaseCommand, CommandError

from registry.history import recorded_as
from registry.spreadsheets.errors import SpreadsheetError
from registry.spreadsheets.workbook import import_workbook


class Command(BaseCommand):
    """
    Import a whole-registry workbook (as export_registry writes it) atomically: sheets in
    dependency order, and with any problem on any sheet nothing at all is written.
    """

    help = "Import a whole-registry XLSX or ODS workbook, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The workbook to read, e.g. registry.xlsx.")
        parser.add_argument(
            "-n",
            "--dry-run",
            action="store_true",
            help="Check the workbook and report what would change, writing nothing.",
        )

    def handle(self, *args, path, dry_run, **options):
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        progress = self.show_progress if self.stderr.isatty() else None
        # The change history of every record written names the command and the file.
        try:
            with recorded_as(reason=f"manage.py import_registry {path}"):
                result = import_workbook(data, path, dry_run=dry_run, progress=progress)
        except SpreadsheetError as error:
            raise CommandError(str(error)) from None
        if progress:
            self.stderr.write("")
        if result.refused:
            raise CommandError(result.report())
        self.stdout.write(result.report())

    def show_progress(self, sheet, done, total):
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stderr.write(f"\r{sheet:>14} [{bar}] {done:,}/{total:,} rows", ending="")
        self.stderr.flush()
