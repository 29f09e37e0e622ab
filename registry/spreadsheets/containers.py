"""
What an uploaded file is, judged by its bytes: the container (an XLSX or ODS zip, an old Excel
file, text), refused when it disagrees with the declared format or the file's name; and a
workbook's archive checked whole before anything parses it.
"""

import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import SpreadsheetError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 .xls (and encrypted .xlsx) container

NAMES = {
    "XLSX": gettext_lazy("an XLSX workbook"),
    "ODS": gettext_lazy("an ODS workbook"),
    "ZIP": gettext_lazy("a zip archive that is neither an XLSX nor an ODS workbook"),
    "XLS": gettext_lazy("an old Excel (.xls) or password-protected workbook"),
    "TEXT": gettext_lazy("a text file (CSV or JSON)"),
    "BINARY": gettext_lazy("a binary file that is neither a workbook nor text"),
}
TEXT_FORMATS = ("CSV", "JSON")
WORKBOOK_FORMATS = ("XLSX", "ODS")
EXTENSIONS = {"csv": "CSV", "json": "JSON", "xlsx": "XLSX", "ods": "ODS"}

# Bytes read at a time when an archive member is scanned, and how much of the previous read is
# kept so that a declaration split between two reads is still seen.
SCAN_CHUNK = 256 * 1024
SCAN_OVERLAP = 16
FORBIDDEN_XML = (b"<!DOCTYPE", b"<!ENTITY")


def detect_container(data):
    """
    "XLSX" (a zip holding xl/), "ODS" (a zip holding content.xml), "ZIP" (another zip), "XLS"
    (an OLE compound file), "BINARY" (NUL bytes: UTF-16 text, an image...) or "TEXT", from the
    bytes alone.
    """
    if data.startswith(OLE_MAGIC):
        return "XLS"
    if not data.startswith(ZIP_MAGIC):
        return "BINARY" if b"\x00" in data[:4096] else "TEXT"
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return "ZIP"
    if any(name.startswith("xl/") for name in names):
        return "XLSX"
    if "content.xml" in names:
        return "ODS"
    return "ZIP"


def refuse_wrong_container(data, expected):
    """Refuse a file whose bytes are not what its declared format says, naming both."""
    if not data:
        raise SpreadsheetError(_("The file is empty."))
    found = detect_container(data)
    if found == "XLS":
        raise SpreadsheetError(
            _(
                "The file is an old Excel (.xls) workbook or a password-protected one. Save it "
                "as an Excel workbook (.xlsx) without a password and upload it again."
            )
        )
    if found == expected or (found in ("TEXT", "BINARY") and expected in TEXT_FORMATS):
        return  # the text's encoding is judged (and named) when it is decoded
    if found == "ZIP" and expected in WORKBOOK_FORMATS:
        # A damaged workbook: open_workbook_archive says so in its own words.
        return
    raise SpreadsheetError(
        _(
            "The file's content is %(found)s, but it was declared as %(expected)s. Choose the "
            "format that matches the file, or save it from your spreadsheet program as "
            "%(expected)s."
        )
        % {"found": NAMES[found], "expected": expected}
    )


def refuse_name_mismatch(file_name, format_name):
    """Refuse a file whose extension names another format than the declared one."""
    named = EXTENSIONS.get(PurePath(str(file_name or "")).suffix.lstrip(".").lower())
    if named and named != format_name.upper():
        raise SpreadsheetError(
            _(
                "The file '%(name)s' is named as %(named)s, but it was declared as "
                "%(expected)s. Choose the format that matches the file."
            )
            % {"name": file_name, "named": named, "expected": format_name.upper()}
        )


def scan_member(archive, info, budget, bomb):
    """
    An archive member's bytes, read in chunks and searched whole for DOCTYPE and ENTITY
    declarations (a declaration after a long comment is still found); at most `budget` bytes.
    """
    is_xml = info.filename.endswith((".xml", ".rels"))
    chunks = []
    size = 0
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(SCAN_CHUNK):
            size += len(chunk)
            if size > budget:
                raise bomb
            if is_xml:
                window = tail + chunk
                if any(marker in window for marker in FORBIDDEN_XML):
                    raise SpreadsheetError(
                        _(
                            "The workbook was refused: it contains XML entity declarations, "
                            "which spreadsheets never need and which can be used to attack a "
                            "server."
                        )
                    )
                tail = window[-SCAN_OVERLAP:]
                chunks.append(chunk)
    return size, (b"".join(chunks) if is_xml else None)


def open_workbook_archive(data, format_name):
    """
    Check a workbook's zip archive before anything parses it, and return its XML members.

    Refuses content that is not the declared format, archives that expand beyond the
    configured size or ratio (a zip bomb; sizes are counted while decompressing, so a forged
    header cannot hide one) and XML with DOCTYPE or ENTITY declarations anywhere in any member
    (billion laughs, external entities).
    """
    refuse_wrong_container(data, format_name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SpreadsheetError(
            _(
                "The file is not a readable %(format)s workbook: it is damaged or only part of "
                "it was uploaded."
            )
            % {"format": format_name}
        ) from None
    limit = settings.REGISTRY_IMPORT_MAX_UNCOMPRESSED_BYTES
    ratio = settings.REGISTRY_IMPORT_MAX_COMPRESSION_RATIO
    bomb = SpreadsheetError(
        _(
            "The workbook was refused: it expands to more than %(limit)s MB or is compressed "
            "far more than a spreadsheet ever is, as a zip bomb would be."
        )
        % {"limit": limit // (1024 * 1024)}
    )
    total = 0
    xml = {}
    for info in members:
        if info.file_size > limit:
            raise bomb
        try:
            size, content = scan_member(archive, info, limit - total, bomb)
        except SpreadsheetError:
            raise
        except Exception:  # BadZipFile, zlib.error, EOFError... from a damaged or encrypted stream
            raise SpreadsheetError(
                _("The workbook is damaged or encrypted and cannot be read.")
            ) from None
        total += size
        if size > 1024 * 1024 and size > ratio * max(info.compress_size, 1):
            raise bomb
        if content is not None:
            xml[info.filename] = content
    return xml
