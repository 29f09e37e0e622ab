"""
Reading a file before its rows: the headers checked against the table's columns, and every cell
normalised, with the line of each row and the cells no row can use.
"""

import unicodedata

import tablib
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..errors import SpreadsheetError
from ..escaping import UNSTORABLE_CHARACTERS, unescape_formula
from ..files import FormulaCell, NestedValue

# The failed-rows file that the admin offers has this extra column; importing it again ignores it.
ERROR_COLUMN = "error"
# Columns the public downloads add that are no field of any table (the JSON download's link
# to each record's page). The other export-only columns are the resources' readonly fields.
EXPORT_ONLY_COLUMNS = ("registry_url",)


def keep_text(value):
    return value


def normalise_text(value, unescape=unescape_formula):
    """
    Surrounding whitespace stripped, the CSV's apostrophe escape undone (`unescape`; a
    workbook's or JSON's text is as stored, and its `unescape` keeps it), NFC, "\\n" newlines.
    """
    value = unescape(value.strip())
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", value)


def normalise_header(value):
    value = "" if value is None else str(value)
    return value.replace("\ufeff", "").strip().lower().replace(" ", "_").replace("-", "_")


class FilePreparation:
    """RegistryResource's checks of a whole file, before any row is imported."""

    # --- preparing the file -------------------------------------------------------------

    @classmethod
    def columns(cls):
        # An export-only (readonly) column is accepted in a file and ignored: not offered.
        return [f.column_name for f in cls().get_import_fields() if not f.readonly]

    def export_only_columns(self):
        """
        The columns a download of this table may carry that an import never reads: its
        readonly fields (e.g. in_post_as_of, confirmed_on) and the downloads' own additions.
        """
        readonly = [c for c, f in self.field_by_column.items() if f.readonly]
        return [*readonly, *(c for c in EXPORT_ONLY_COLUMNS if c not in self.field_by_column)]

    def ignored_columns_note(self):
        """What the preview says of the export-only columns the file carried, if any."""
        if not self.ignored_columns:
            return None
        names = ", ".join(f"'{column}'" for column in self.ignored_columns)
        return ngettext(
            "Column %(columns)s was ignored: the downloads carry it for reading, and an "
            "import does not read it (export only).",
            "Columns %(columns)s were ignored: the downloads carry them for reading, and an "
            "import does not read them (export only).",
            len(self.ignored_columns),
        ) % {"columns": names}

    def prepare(self, dataset):
        """
        Check the headers and normalise every cell, in place; record what each row's line is
        and which cells are unusable. Raises SpreadsheetError for a file-level problem.
        """
        raw = [normalise_header(h) for h in (dataset.headers or [])]
        known = set(self.field_by_column)
        if len(raw) == 1 and len(raw[0]) > 1 and (";" in raw[0] or "\t" in raw[0]):
            separator = ";" if ";" in raw[0] else _("tabs")
            raise SpreadsheetError(
                _(
                    "The columns seem to be separated by %(sep)s, not commas. Save the file as "
                    "CSV with commas (in Excel: CSV UTF-8) and upload it again."
                )
                % {"sep": f"'{separator}'" if separator == ";" else separator}
            )
        problems = []
        seen = set()
        for number, header in enumerate(raw, start=1):
            if header == "":
                problems.append(_("column %(n)s has no header.") % {"n": number})
            elif header in seen:
                problems.append(_("column '%(h)s' appears twice.") % {"h": header})
            elif (
                header not in known
                and header != ERROR_COLUMN
                and header not in EXPORT_ONLY_COLUMNS
            ):
                problems.append(_("unknown column '%(h)s'.") % {"h": header})
            seen.add(header)
        for column in self.required_columns(seen):
            problems.append(_("missing column '%(h)s'.") % {"h": column})
        if problems:
            raise SpreadsheetError(
                _(
                    "The column headers are wrong: %(problems)s The columns of %(table)s are: %(columns)s."
                )
                % {
                    "problems": " ".join(p[0].upper() + p[1:] for p in problems),
                    "table": self._meta.model._meta.verbose_name_plural,
                    "columns": ", ".join(self.field_by_column),
                }
            )
        export_only = set(self.export_only_columns())
        self.ignored_columns = [h for h in raw if h in export_only]
        keep = [
            i
            for i, h in enumerate(raw)
            if h != ERROR_COLUMN and (h in known or h not in EXPORT_ONLY_COLUMNS)
        ]
        # Only CSV files carry the formula escape; XLSX, ODS and JSON hold text as stored.
        unescape = unescape_formula if getattr(dataset, "formula_escaped", False) else keep_text
        headers = [raw[i] for i in keep]
        rows = []
        self.lines = []
        self.cell_problems = {}
        for line, data in enumerate(dataset, start=2):
            cells = []
            blank = True
            for i in keep:
                value = data[i]
                if type(value) is str and value.isascii() and value.isprintable():
                    # Most cells: printable ASCII is NFC already and holds nothing unstorable.
                    value = unescape(value.strip())
                elif isinstance(value, str):
                    if isinstance(value, FormulaCell):
                        self.cell_problems.setdefault(len(rows), {})[raw[i]] = _(
                            "the cell holds a formula (%(formula)s); type the value instead."
                        ) % {"formula": value}
                        value = ""
                    elif isinstance(value, NestedValue):
                        self.cell_problems.setdefault(len(rows), {})[raw[i]] = _(
                            "a single value is expected, not %(value)s."
                        ) % {"value": value[:50]}
                        value = ""
                    else:
                        value = normalise_text(value, unescape)
                        bad = UNSTORABLE_CHARACTERS.search(value)
                        if bad:
                            char = bad.group()
                            self.cell_problems.setdefault(len(rows), {})[raw[i]] = (
                                _("the text contains a NUL character.")
                                if char == "\x00"
                                else _(
                                    "the text contains the control character U+%(code)04X, "
                                    "which spreadsheets cannot hold."
                                )
                                % {"code": ord(char)}
                            )
                            value = ""
                elif value is None:
                    value = ""
                if value != "":
                    blank = False
                cells.append(value)
            if blank and len(rows) not in self.cell_problems:
                continue
            rows.append(tablib.core.Row(cells))
            self.lines.append(line)
        if not rows:
            raise SpreadsheetError(
                _("The file has column headers but only blank rows under them.")
            )
        dataset.wipe()
        dataset.headers = headers
        dataset._data = rows
        self.present_columns = set(headers)

    def required_columns(self, headers):
        return [c for c in self.key_columns if c not in headers]
