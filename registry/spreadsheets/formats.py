"""
django-import-export's format classes (CSV, JSON, XLSX, ODS), reading through files.py's checks
and writing with writers.py, so the admin, the `import` and `export` commands and this project's
commands all read and write files the same way.
"""

from django.utils.translation import gettext as _
from import_export.formats import base_formats

from .errors import SpreadsheetError
from .files import read_csv, read_json, read_single_sheet
from .writers import csv_lines, json_chunks, write_ods, write_xlsx

# All four read bytes (get_read_mode "rb"), so the encoding is checked by files.py, with a clear
# message, rather than by Python's open().


class CSV(base_formats.CSV):
    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        return read_csv(in_stream)

    def export_data(self, dataset, **kwargs):
        return "".join(csv_lines(dataset.headers, list(dataset)))


class JSON(base_formats.JSON):
    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        return read_json(in_stream)

    def export_data(self, dataset, **kwargs):
        return "".join(json_chunks(dataset.headers, list(dataset)))


class XLSX(base_formats.XLSX):
    sheet_name = None

    def create_dataset(self, in_stream, **kwargs):
        return read_single_sheet(in_stream, "XLSX", self.sheet_name)

    def export_data(self, dataset, **kwargs):
        return write_xlsx([(dataset.title or "Sheet1", dataset.headers, list(dataset))])


class ODS(base_formats.ODS):
    sheet_name = None

    def get_read_mode(self):
        return "rb"

    def is_binary(self):
        return True

    def create_dataset(self, in_stream, **kwargs):
        return read_single_sheet(in_stream, "ODS", self.sheet_name)

    def export_data(self, dataset, **kwargs):
        return write_ods([(dataset.title or "Sheet1", dataset.headers, list(dataset))])


FORMATS = [CSV, XLSX, ODS, JSON]
FORMATS_BY_NAME = {"csv": CSV, "xlsx": XLSX, "ods": ODS, "json": JSON}


def format_for_name(name):
    """The format class for "csv", "xlsx", "ods" or "json" (a file extension will do)."""
    key = name.lower().rsplit(".", 1)[-1]
    try:
        return FORMATS_BY_NAME[key]
    except KeyError:
        raise SpreadsheetError(
            _("Unknown format '%(name)s': use csv, xlsx, ods or json.") % {"name": name}
        ) from None
