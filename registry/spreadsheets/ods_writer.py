"""
Writing ODS workbooks: typed cells (text, float, date, boolean) whose date cells reference
date styles the file defines, and text whose tabs, line breaks and runs of spaces survive.

Written by hand rather than with odfpy (through tablib), which gave date cells a style the file
never defined, so LibreOffice showed "04/01/18 12:00 AM", and collapsed runs of spaces. The
content is streamed into the zip member row by row, so memory stays level however many rows.
"""

import datetime
import decimal
import io
import re
import zipfile
from xml.sax.saxutils import escape, quoteattr

from .escaping import UNSTORABLE_CHARACTERS

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" \
manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" \
manifest:media-type="{MIMETYPE}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""

# The date style is ISO 8601 (YYYY-MM-DD), the registry's date format, whatever the reader's
# locale; a date-time adds hh:mm:ss.
CONTENT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content \
xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" \
xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" \
xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" \
xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" \
xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3">
<office:automatic-styles>
<number:date-style style:name="N_DAY"><number:year number:style="long"/><number:text>-\
</number:text><number:month number:style="long"/><number:text>-</number:text>\
<number:day number:style="long"/></number:date-style>
<number:date-style style:name="N_MOMENT"><number:year number:style="long"/><number:text>-\
</number:text><number:month number:style="long"/><number:text>-</number:text>\
<number:day number:style="long"/><number:text> </number:text><number:hours \
number:style="long"/><number:text>:</number:text><number:minutes number:style="long"/>\
<number:text>:</number:text><number:seconds number:style="long"/></number:date-style>
<style:style style:name="ce_day" style:family="table-cell" style:parent-style-name="Default" \
style:data-style-name="N_DAY"/>
<style:style style:name="ce_moment" style:family="table-cell" \
style:parent-style-name="Default" style:data-style-name="N_MOMENT"/>
<style:style style:name="ce_head" style:family="table-cell" style:parent-style-name="Default">\
<style:text-properties fo:font-weight="bold"/></style:style>
</office:automatic-styles>
<office:body><office:spreadsheet>
"""
CONTENT_TAIL = "</office:spreadsheet></office:body></office:document-content>\n"

# A run of spaces, a leading or trailing space: what ODF's white-space rules would otherwise collapse.
SPECIAL_WHITESPACE = re.compile(r" {2,}|^ | $")


def encode_paragraph(line):
    """
    One line of text as the content of a <text:p>, every space kept. A tab is written as the
    character, not as <text:tab/>: LibreOffice 7.4 drops <text:tab/> when it opens a cell (and
    python-calamine does too), and keeps the character; ods_text.py reads <text:tab/>, which
    LibreOffice writes.
    """
    parts = []
    position = 0
    for match in SPECIAL_WHITESPACE.finditer(line):
        parts.append(escape(line[position : match.start()]))
        parts.append(f'<text:s text:c="{len(match.group())}"/>')
        position = match.end()
    parts.append(escape(line[position:]))
    return "".join(parts)


def text_paragraphs(value):
    """Text as <text:p> elements: one a line, as LibreOffice writes a cell's line breaks."""
    value = UNSTORABLE_CHARACTERS.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(f"<text:p>{encode_paragraph(line)}</text:p>" for line in value.split("\n"))


def number_text(value):
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return repr(value) if isinstance(value, float) else str(value)


def ods_cell(value, style=None):
    style_attribute = f' table:style-name="{style}"' if style else ""
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, str):
        return (
            f'<table:table-cell office:value-type="string"{style_attribute}>'
            f"{text_paragraphs(value)}</table:table-cell>"
        )
    if isinstance(value, bool):
        flag = "true" if value else "false"
        return (
            f'<table:table-cell office:value-type="boolean" office:boolean-value="{flag}">'
            f"<text:p>{flag.upper()}</text:p></table:table-cell>"
        )
    if isinstance(value, datetime.datetime):
        moment = value.replace(tzinfo=None, microsecond=0).isoformat()
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{moment}" '
            f'table:style-name="ce_moment"><text:p>{moment.replace("T", " ")}</text:p>'
            "</table:table-cell>"
        )
    if isinstance(value, datetime.date):
        day = value.isoformat()
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{day}" '
            f'table:style-name="ce_day"><text:p>{day}</text:p></table:table-cell>'
        )
    if isinstance(value, (int, float, decimal.Decimal)):
        number = number_text(value)
        return (
            f'<table:table-cell office:value-type="float" office:value="{number}">'
            f"<text:p>{number}</text:p></table:table-cell>"
        )
    return ods_cell(str(value))


def write_ods(sheets, out=None):
    """
    An ODS workbook from [(title, headers, rows)], rows any iterable: into the binary file
    `out` when given, else returned as bytes. Values are written as they are: text as text
    (formula-looking text too, as a typed string cell that no program runs), numbers as
    numbers, dates as dates in the ISO style.
    """
    target = out if out is not None else io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        # The mimetype comes first and uncompressed, as ODF requires.
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", MANIFEST)
        with archive.open("content.xml", "w", force_zip64=True) as member:
            stream = io.TextIOWrapper(member, encoding="utf-8", newline="\n")
            stream.write(CONTENT_HEAD)
            for title, headers, rows in sheets:
                stream.write(f"<table:table table:name={quoteattr(title or 'Sheet')}>")
                stream.write(
                    "<table:table-row>"
                    + "".join(ods_cell(str(header), "ce_head") for header in headers)
                    + "</table:table-row>\n"
                )
                for row in rows:
                    stream.write(
                        "<table:table-row>"
                        + "".join(ods_cell(value) for value in row)
                        + "</table:table-row>\n"
                    )
                stream.write("</table:table>\n")
            stream.write(CONTENT_TAIL)
            stream.flush()
            stream.detach()
    return None if out is not None else target.getvalue()
