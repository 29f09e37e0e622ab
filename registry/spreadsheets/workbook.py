"""The whole registry as one workbook, a sheet per table: exported, and imported all or nothing."""

from django.db import transaction
from django.utils.translation import gettext as _

from .errors import SpreadsheetError
from .files import read_workbook
from .formats import format_for_name
from .resources import RESOURCES, export_rows
from .writers import write_ods, write_xlsx


def export_workbook(file_format="xlsx", out=None):
    """
    Every registry table as one XLSX (or ODS) workbook, one sheet per table: written to the
    binary file `out` when given, else returned as bytes.
    """
    name = format_for_name(file_format)().get_extension()
    if name not in ("xlsx", "ods"):
        raise SpreadsheetError(_("A whole-registry workbook is XLSX or ODS."))
    sheets = []
    for resource_class in RESOURCES:
        model = resource_class._meta.model
        headers, rows = export_rows(model.objects.all(), resource_class)
        sheets.append((resource_class.sheet_name, headers, rows))
    writer = write_xlsx if name == "xlsx" else write_ods
    return writer(sheets, out)


class WorkbookResult:
    """The outcome of a whole-registry import: one import result per sheet."""

    def __init__(self, results, dry_run):
        self.results = results  # [(sheet name, RegistryImportResult)]
        self.dry_run = dry_run

    @property
    def refused(self):
        return any(result.refused for _sheet, result in self.results)

    def problems(self):
        return [(sheet, problem) for sheet, result in self.results for problem in result.problems]

    def report(self):
        lines = []
        for sheet, result in self.results:
            if result.refused:
                lines.append(result.report())
            else:
                lines.append(f"{sheet}: {result.summary()}")
                lines += [f"  {note}" for note in result.notes]
        if self.refused:
            lines.append(_("Nothing was imported."))
        elif self.dry_run:
            lines.append(_("Dry run: nothing was written."))
        return "\n".join(lines)


def import_workbook(data, file_format="xlsx", dry_run=False, user=None, progress=None, **kwargs):
    """
    Import a whole-registry workbook atomically, sheet by sheet in dependency order (sources,
    organisations, networks, member states, cities, officers, agreements). A sheet with a
    problem stops the import and nothing of any sheet is written. `progress(sheet, done,
    total)` is called as rows are read.
    """
    name = format_for_name(file_format)().get_extension()
    if name not in ("xlsx", "ods"):
        raise SpreadsheetError(_("A whole-registry workbook is XLSX or ODS."))
    sheets = read_workbook(data, name.upper())
    known = {resource.sheet_name: resource for resource in RESOURCES}
    unknown = [sheet for sheet in sheets if sheet not in known]
    if unknown:
        raise SpreadsheetError(
            _("The workbook has a sheet named '%(sheet)s'; the sheets can be: %(names)s.")
            % {"sheet": unknown[0], "names": ", ".join(known)}
        )
    if not any(sheets.values()):
        raise SpreadsheetError(_("The workbook is empty."))
    results = []
    with transaction.atomic():
        for resource_class in RESOURCES:
            dataset = sheets.get(resource_class.sheet_name)
            if not dataset:
                # Left out, or an empty table (headers only): nothing to import.
                continue
            sheet = resource_class.sheet_name
            resource = resource_class(
                progress=(lambda done, total, sheet=sheet: progress(sheet, done, total))
                if progress
                else None
            )
            # Each sheet writes (inside this transaction) so that the next sheets find its
            # records; a dry run rolls all of it back at the end.
            result = resource.import_data(dataset, dry_run=False, user=user, **kwargs)
            results.append((sheet, result))
            if result.refused:
                break
        workbook_result = WorkbookResult(results, dry_run)
        if dry_run or workbook_result.refused:
            transaction.set_rollback(True)
    return workbook_result
