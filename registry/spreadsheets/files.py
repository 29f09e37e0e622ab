"""
Reading untrusted spreadsheet files: CSV, XLSX, ODS and JSON, as tablib Datasets.

Every uploaded file is untrusted. Before a byte is parsed, a workbook's zip archive is measured
(a zip bomb is refused), its XML is searched for entity declarations (refused: spreadsheets never
need them), and formula and merged cells are located so that the import can refuse them by line
and column. Values are read with python-calamine, which is fast and never expands XML entities.
"""

import csv
import io
import json
import re

import tablib
from django.utils.translation import gettext as _

from . import gc_pause, ods_text
from .containers import open_workbook_archive, refuse_wrong_container
from .errors import SpreadsheetError


class FormulaCell(str):
    """A spreadsheet formula found where a value was expected ("=SUM(B2:B9)")."""


class NestedValue(str):
    """A JSON object or list found where a single value was expected."""


# Reading ----------------------------------------------------------------------------------


def as_bytes(in_stream):
    if isinstance(in_stream, str):
        return in_stream.encode("utf-8")
    if hasattr(in_stream, "read"):
        return as_bytes(in_stream.read())
    return bytes(in_stream)


def decode_text(data, format_name):
    refuse_wrong_container(data, format_name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 20:
        raise SpreadsheetError(
            _(
                "The file is UTF-16 text. Save it as UTF-8 (in Excel: CSV UTF-8) and upload it "
                "again."
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SpreadsheetError(
            _(
                "The file is not UTF-8 text (byte 0x%(byte)02X at position %(position)s; files "
                "saved as 'CSV' by Excel on Windows use Windows-1252). Save it as UTF-8 (in "
                "Excel: CSV UTF-8) and upload it again."
            )
            % {"byte": data[error.start], "position": error.start}
        ) from None


def dataset_from_rows(rows, title="", allow_empty=False):
    """A Dataset from a header row and data rows; blank rows are kept so line numbers hold.
    `allow_empty`: headers alone are an empty table (a workbook's sheet), not a refusal."""
    rows = list(rows)
    if not rows or not any(cell not in ("", None) for cell in rows[0]):
        raise SpreadsheetError(_("The file has no column headers on its first line."))
    headers = ["" if cell is None else str(cell) for cell in rows[0]]
    body = rows[1:]
    width = len(headers)
    # Trailing columns with neither a header nor a value are formatting, not data.
    while width and headers[width - 1].strip() == "":
        if any(len(row) >= width and row[width - 1] not in ("", None) for row in body):
            break
        width -= 1
    headers = headers[:width]
    data = []
    for number, row in enumerate(body, start=2):
        row = list(row)
        if len(row) > width:
            if any(cell not in ("", None) for cell in row[width:]):
                raise SpreadsheetError(
                    _("Line %(line)s has more cells than there are column headers.")
                    % {"line": number}
                )
            row = row[:width]
        elif len(row) < width:
            row += [""] * (width - len(row))
        data.append(row)
    if not data:
        if allow_empty:
            return tablib.Dataset(headers=headers, title=title)
        raise SpreadsheetError(_("The file has column headers but no rows under them."))
    if not any(any(cell not in ("", None) for cell in row) for row in data):
        raise SpreadsheetError(_("The file has column headers but only blank rows under them."))
    dataset = tablib.Dataset(headers=headers, title=title)
    dataset._data = [tablib.core.Row(row) for row in data]
    return dataset


SEPARATOR_NAMES = {";": "';'", "\t": "tabs", "|": "'|'"}


def refuse_other_separator(text):
    """
    Refuse a CSV whose header line is split by another separator than the comma: Excel writes
    ';' where the decimal mark is a comma. It is refused, not read with that separator, because
    such files also write amounts with decimal commas and dates in the local order.
    """
    first_line = next(csv.reader(io.StringIO(text.split("\n", 1)[0], newline="")), [])
    commas = len(first_line)
    for separator, name in SEPARATOR_NAMES.items():
        cells = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=separator), [])
        if len(cells) > max(commas, 1):
            raise SpreadsheetError(
                _(
                    "The columns of this CSV file are separated by %(separator)s, not commas. "
                    "Save it as CSV with commas (in Excel: CSV UTF-8; in LibreOffice: field "
                    "delimiter ',') and upload it again."
                )
                % {"separator": name}
            )


@gc_pause.paused()
def read_csv(in_stream):
    """
    A CSV file as a Dataset. Its text cells carry the CSV export's formula escape (a leading
    apostrophe), which the import removes: the dataset says so with `formula_escaped`.
    """
    text = decode_text(as_bytes(in_stream), "CSV")
    refuse_other_separator(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise SpreadsheetError(
            _("The CSV file cannot be read: %(error)s.") % {"error": error}
        ) from None
    dataset = dataset_from_rows(rows)
    dataset.formula_escaped = True
    return dataset


@gc_pause.paused()
def read_json(in_stream):
    text = decode_text(as_bytes(in_stream), "JSON")
    try:
        records = json.loads(text)
    except ValueError as error:
        raise SpreadsheetError(
            _("The file is not valid JSON: %(error)s.") % {"error": error}
        ) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SpreadsheetError(
            _('A JSON file must hold a list of objects, one per row, e.g. [{"code": "TH"}].')
        )
    if not records:
        raise SpreadsheetError(_("The JSON file holds an empty list: there is nothing to import."))
    headers = list(dict.fromkeys(key for record in records for key in record))
    rows = [headers]
    for record in records:
        row = []
        for key in headers:
            value = record.get(key)
            if isinstance(value, (dict, list)):
                value = NestedValue(json.dumps(value, ensure_ascii=False))
            row.append("" if value is None else value)
        rows.append(row)
    return dataset_from_rows(rows)


CELL_REFERENCE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)([0-9]+)"')
FORMULA_START = re.compile(rb"<(?:\w+:)?f[\s>/]")
FORMULA_TEXT = re.compile(rb"<(?:\w+:)?f\b[^>]*>([^<]*)<")


def column_index(letters):
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def column_letters(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def xlsx_sheet_paths(xml):
    """Sheet name -> path of its XML in the archive, from workbook.xml and its relationships."""
    import defusedxml.ElementTree as ElementTree

    try:
        workbook = ElementTree.fromstring(xml["xl/workbook.xml"])
        rels = ElementTree.fromstring(xml["xl/_rels/workbook.xml.rels"])
    except Exception:
        raise SpreadsheetError(
            _("The workbook is damaged: its list of sheets cannot be read.")
        ) from None
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    paths = {}
    for element in workbook.iter():
        if element.tag.endswith("}sheet"):
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "").lstrip("/")
            if not target.startswith("xl/"):
                target = "xl/" + target
            paths[element.get("name")] = target
    return paths


def xlsx_formula_cells(sheet_xml):
    """{(row index, column index): formula text} for every formula cell of a sheet."""
    found = {}
    for match in FORMULA_START.finditer(sheet_xml):
        cell_start = sheet_xml.rfind(b"<c", 0, match.start())
        while cell_start != -1 and sheet_xml[cell_start + 2 : cell_start + 3] not in b" >":
            cell_start = sheet_xml.rfind(b"<c", 0, cell_start)
        reference = CELL_REFERENCE.match(sheet_xml, cell_start) if cell_start != -1 else None
        if reference is None:
            continue
        text = FORMULA_TEXT.match(sheet_xml, match.start())
        formula = "=" + (text.group(1).decode("utf-8", "replace") if text else "…")
        row = int(reference.group(2)) - 1
        found[(row, column_index(reference.group(1).decode()))] = FormulaCell(formula)
    return found


ODS_SPAN = re.compile(rb'table:number-(?:columns|rows)-spanned="([0-9]+)"')


def read_workbook(in_stream, format_name="XLSX"):
    """Every sheet of an XLSX or ODS workbook as {title: Dataset}, in the workbook's order."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    data = as_bytes(in_stream)
    xml = open_workbook_archive(data, format_name)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = workbook.sheets_metadata
    except Exception:
        raise SpreadsheetError(
            _("The file is not a readable %(format)s workbook.") % {"format": format_name}
        ) from None
    hidden = [m.name for m in metadata if m.visible != SheetVisibleEnum.Visible]
    if hidden:
        raise SpreadsheetError(
            _(
                "The workbook has a hidden sheet, '%(sheet)s'. Unhide it or delete it, so that "
                "nothing in the file is overlooked."
            )
            % {"sheet": hidden[0]}
        )
    formulas = {}
    if format_name == "XLSX":
        paths = xlsx_sheet_paths(xml)
        for name, path in paths.items():
            if FORMULA_START.search(xml.get(path, b"")):
                formulas[name] = xlsx_formula_cells(xml[path])
    else:
        content = xml.get("content.xml", b"")
        if b"table:formula=" in content:
            raise SpreadsheetError(
                _(
                    "The workbook contains formula cells. Replace each formula by its value "
                    "(copy, then paste values only) and upload it again."
                )
            )
        if any(int(span) > 1 for span in ODS_SPAN.findall(content)):
            raise SpreadsheetError(
                _(
                    "The workbook has merged cells. Unmerge them, so that every row holds its "
                    "own values, and upload it again."
                )
            )
        if ods_text.needs_exact_text(content):
            formulas = ods_text.exact_texts(content)
    sheets = {}
    for meta in metadata:
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges
        except Exception:
            raise SpreadsheetError(
                _("Sheet '%(sheet)s' of the workbook cannot be read.") % {"sheet": meta.name}
            ) from None
        if merged:
            (top, left), (bottom, right) = merged[0]
            raise SpreadsheetError(
                _(
                    "Cells %(range)s of sheet '%(sheet)s' are merged. Unmerge them, so that "
                    "every row holds its own values, and upload it again."
                )
                % {
                    "range": f"{column_letters(left)}{top + 1}:{column_letters(right)}{bottom + 1}",
                    "sheet": meta.name,
                }
            )
        # Cells calamine cannot read as they are: XLSX formulas, ODS text with tabs or breaks.
        for (row, column), cell in formulas.get(meta.name, {}).items():
            while len(rows) <= row:
                rows.append([])
            while len(rows[row]) <= column:
                rows[row].append("")
            rows[row][column] = cell
        if not rows or not any(cell not in ("", None) for row in rows for cell in row):
            sheets[meta.name] = None
            continue
        # export_registry writes an empty table as a sheet of headers: it imports as nothing.
        sheets[meta.name] = dataset_from_rows(rows, title=meta.name, allow_empty=True)
    return sheets


@gc_pause.paused()
def read_single_sheet(in_stream, format_name, wanted=None):
    """The one sheet of a workbook to import into one table: the only one, or `wanted`."""
    sheets = read_workbook(in_stream, format_name)
    filled = {name: data for name, data in sheets.items() if data is not None}
    if wanted and wanted in filled:
        return filled[wanted]
    if len(filled) == 1:
        return next(iter(filled.values()))
    if not filled:
        raise SpreadsheetError(_("The workbook is empty."))
    raise SpreadsheetError(
        _(
            "The workbook has %(count)s sheets with data (%(names)s). Keep only the sheet to "
            "import, or use the whole-registry import."
        )
        % {"count": len(filled), "names": ", ".join(filled)}
    )
