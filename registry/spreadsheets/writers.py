"""Writing spreadsheets: CSV and JSON streamed in chunks, XLSX and ODS row by row."""

import csv
import datetime
import decimal
import io
import itertools
import json

from .escaping import ESCAPE, FORMULA_TRIGGERS, UNSTORABLE_CHARACTERS, escape_formula
from .ods_writer import write_ods

__all__ = ["csv_lines", "json_chunks", "write_ods", "write_xlsx"]


def native_number(value):
    """Decimals as int or float, the numbers that spreadsheets and JSON hold."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def text_cell(value):
    """A value as CSV text: ISO dates, plain decimals, empty for None."""
    if value is None:
        return ""
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


# XLSX text starting with one of these gets the quote-prefix style (a typed "'" is syntax too).
QUOTED_STARTS = (*FORMULA_TRIGGERS, ESCAPE)

# Streamed text is yielded this many rows at a time: a chunk per row would cost more in the
# response's machinery than the row itself.
ROWS_PER_CHUNK = 200


def csv_lines(headers, rows, bom=True):
    """
    CSV text in chunks of ROWS_PER_CHUNK rows, for streaming responses. It starts with a byte
    order mark, without which Excel reads UTF-8 as the local code page and garbles Thai or Khmer.
    Text that a spreadsheet program would run as a formula gets a leading apostrophe (CSV has
    no typed cells; the CSV import removes it again).
    """
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([text_cell(value) for value in headers])
    rows = iter(rows)
    while True:
        batch = list(itertools.islice(rows, ROWS_PER_CHUNK))
        writer.writerows([[text_cell(escape_formula(value)) for value in row] for row in batch])
        text = buffer.getvalue()
        if text:
            yield text
        if len(batch) < ROWS_PER_CHUNK:
            return
        buffer.seek(0)
        buffer.truncate()


def xlsx_cells(row):
    """
    A row's values as the XLSX writer takes them: Decimals as numbers, characters that XML
    cannot hold replaced (searched once per row, as they are rare), and empty text as no cell.
    """
    cells = [
        (value or None)
        if type(value) is str
        else native_number(value)
        if isinstance(value, decimal.Decimal)
        else value
        for value in row
    ]
    texts = [value for value in cells if isinstance(value, str)]
    if texts and UNSTORABLE_CHARACTERS.search("\n".join(texts)):
        cells = [
            UNSTORABLE_CHARACTERS.sub("\ufffd", value) if isinstance(value, str) else value
            for value in cells
        ]
    return cells


def write_xlsx(sheets, out=None):
    """
    An XLSX workbook from [(title, headers, rows)], rows any iterable: into the binary file
    `out` when given, else returned as bytes.

    Written with XlsxWriter in its constant-memory mode, each row flushed to a temporary file
    as it comes, so memory stays level however many rows there are (about twice as fast as
    openpyxl's write-only mode). Text is always written as text exactly as stored, never as a
    formula or a link, whatever it starts with; text that would look like a formula when typed
    gets the quote-prefix cell style, so that editing the cell keeps it text (no apostrophe is
    added to the value); dates as dates, numbers as numbers.
    """
    import xlsxwriter

    target = out if out is not None else io.BytesIO()
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    quoted = workbook.add_format({"quote_prefix": True})
    for title, headers, rows in sheets:
        sheet = workbook.add_worksheet(title[:31] or "Sheet")
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, headers, bold)
        write_string, write_number = sheet.write_string, sheet.write_number
        write_datetime, write_boolean = sheet.write_datetime, sheet.write_boolean
        for line, row in enumerate(rows, start=1):
            for column, value in enumerate(xlsx_cells(row)):
                if value is None:
                    continue
                if type(value) is str:
                    if value.startswith(QUOTED_STARTS):
                        write_string(line, column, value, quoted)
                    else:
                        write_string(line, column, value)
                elif isinstance(value, bool):
                    write_boolean(line, column, value)
                elif isinstance(value, datetime.datetime):
                    write_datetime(line, column, value, moment)
                elif isinstance(value, datetime.date):
                    write_datetime(line, column, value, day)
                elif isinstance(value, (int, float)):
                    write_number(line, column, value)
                else:
                    write_string(line, column, str(value))
    workbook.close()
    return None if out is not None else target.getvalue()


def json_default(value):
    if isinstance(value, decimal.Decimal):
        return native_number(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_chunks(headers, rows):
    """A JSON list of objects, in chunks of ROWS_PER_CHUNK rows, for streaming responses."""
    encode = json.JSONEncoder(default=json_default, ensure_ascii=False).encode
    yield "["
    separator = ""
    rows = iter(rows)
    while batch := list(itertools.islice(rows, ROWS_PER_CHUNK)):
        yield separator + ",\n".join(encode(dict(zip(headers, row, strict=True))) for row in batch)
        separator = ",\n"
    yield "]\n"
