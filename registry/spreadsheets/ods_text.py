"""
The exact text of ODS cells whose tabs or line breaks python-calamine drops.

python-calamine (0.9) reads `<text:tab/>` and `<text:line-break/>` as nothing, so "a<tab>b"
as LibreOffice writes it came back as "ab". The cells that hold one are read here from
content.xml (with defusedxml, which refuses entity declarations) and replace calamine's text.
"""

import io

from django.utils.translation import gettext as _

from .errors import SpreadsheetError

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"

# What calamine loses; a content.xml without either needs no second reading.
LOST_MARKUP = (b"<text:tab", b"<text:line-break")


def needs_exact_text(content_xml):
    return any(marker in content_xml for marker in LOST_MARKUP)


def inline_text(element):
    """The text of a paragraph or span, with spaces, tabs and line breaks as ODF means them."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == f"{{{TEXT}}}s":
            parts.append(" " * int(child.get(f"{{{TEXT}}}c", "1") or 1))
        elif tag == f"{{{TEXT}}}tab":
            parts.append("\t")
        elif tag == f"{{{TEXT}}}line-break":
            parts.append("\n")
        elif tag == f"{{{OFFICE}}}annotation":
            pass  # a comment on the cell, not its value
        else:
            parts.append(inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def cell_text(cell):
    return "\n".join(
        inline_text(paragraph) for paragraph in cell if paragraph.tag == f"{{{TEXT}}}p"
    )


def repeat(element, name):
    try:
        return max(int(element.get(f"{{{TABLE}}}{name}", "1")), 1)
    except ValueError:
        return 1


def exact_texts(content_xml):
    """
    {sheet name: {(row, column): text}} for the string cells of content.xml that hold a tab
    or a line break, positions counted as calamine counts them (repeated rows and cells
    expanded).
    """
    import defusedxml.ElementTree as ElementTree

    found = {}
    try:
        for _event, table in ElementTree.iterparse(io.BytesIO(content_xml), events=("end",)):
            if table.tag != f"{{{TABLE}}}table":
                continue
            cells = found.setdefault(table.get(f"{{{TABLE}}}name"), {})
            row_index = 0
            for row in table.iter(f"{{{TABLE}}}table-row"):
                column = 0
                for cell in row:
                    if cell.tag not in (
                        f"{{{TABLE}}}table-cell",
                        f"{{{TABLE}}}covered-table-cell",
                    ):
                        continue
                    span = repeat(cell, "number-columns-repeated")
                    if any(
                        element.tag in (f"{{{TEXT}}}tab", f"{{{TEXT}}}line-break")
                        for element in cell.iter()
                    ):
                        text = cell_text(cell)
                        for offset in range(span):
                            cells[(row_index, column + offset)] = text
                    column += span
                row_index += repeat(row, "number-rows-repeated")
            table.clear()
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError(
            _("The workbook is damaged: the text of its cells cannot be read.")
        ) from None
    return found
