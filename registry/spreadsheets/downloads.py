"""
HTTP downloads of a queryset as CSV, JSON, XLSX or ODS (with export_bytes, the same file as
bytes). Only this module and admin.py in the package build HTTP responses.
"""

import tempfile

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from ..identifiers import content_disposition_header
from .formats import format_for_name
from .resources import RESOURCE_FOR_MODEL, export_rows
from .writers import csv_lines, json_chunks, write_ods, write_xlsx

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}

# A workbook download is built in a temporary file: in memory up to this size, then on disk,
# so a large one does not sit in a worker's memory while it is sent.
SPOOL_BYTES = 256 * 1024


def sheet_title(queryset, resource_class):
    return (resource_class or RESOURCE_FOR_MODEL[queryset.model]).sheet_name


def export_bytes(queryset, file_format="csv", resource_class=None, columns=None):
    """A queryset as a file of the given format ("csv", "json", "xlsx" or "ods"), as bytes."""
    name = format_for_name(file_format)().get_extension()
    headers, rows = export_rows(queryset, resource_class, columns)
    if name == "csv":
        return "".join(csv_lines(headers, rows)).encode("utf-8")
    if name == "json":
        return "".join(json_chunks(headers, rows)).encode("utf-8")
    writer = write_xlsx if name == "xlsx" else write_ods
    return writer([(sheet_title(queryset, resource_class), headers, rows)])


def export_response(
    queryset, file_format="csv", resource_class=None, filename=None, columns=None, url_for=None
):
    """
    A download of a queryset. CSV and JSON stream as they are read, so a large table never sits
    in memory; XLSX is written row by row into a temporary file (a zip archive cannot be sent
    before it is complete) and sent from there; ODS is built whole. `url_for` adds a
    "registry_url" column to JSON only, so CSV and XLSX downloads import back unchanged.
    """
    name = format_for_name(file_format)().get_extension()
    filename = filename or f"{queryset.model._meta.model_name}.{name}"
    if name in ("csv", "json"):
        url_for = url_for if name == "json" else None
        headers, rows = export_rows(queryset, resource_class, columns, url_for=url_for)
        chunks = csv_lines(headers, rows) if name == "csv" else json_chunks(headers, rows)
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in chunks), content_type=CONTENT_TYPES[name]
        )
    elif name == "xlsx":
        headers, rows = export_rows(queryset, resource_class, columns)
        # Not a `with` block: FileResponse closes (and so deletes) the file once it is sent.
        file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        try:
            write_xlsx([(sheet_title(queryset, resource_class), headers, rows)], file)
        except BaseException:
            file.close()
            raise
        file.seek(0)
        response = FileResponse(file, content_type=CONTENT_TYPES[name])
        response.block_size = 64 * 1024
    else:
        response = HttpResponse(
            export_bytes(queryset, name, resource_class, columns), content_type=CONTENT_TYPES[name]
        )
    response["Content-Disposition"] = content_disposition_header("attachment", filename)
    return response
