"""Spreadsheet files made by the tests, and what an import must leave untouched."""

import csv
import html
import io
import zipfile

from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import (
    Agreement,
    City,
    DataVersion,
    MemberState,
    Network,
    Officer,
    Organisation,
    Source,
)
from registry.spreadsheets.formats import FORMATS_BY_NAME

FORMAT_INDEX = {"csv": "0", "xlsx": "1", "ods": "2", "json": "3"}  # the admin's format choices


def csv_bytes(rows, bom=False, delimiter=","):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows, setup=None, title="Sheet1"):
    """An XLSX made by openpyxl; `setup(workbook, sheet)` may add formulas, merges, sheets."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if setup:
        setup(workbook, sheet)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def file_bytes(rows, fmt):
    """`rows` (headers first) as a file of `fmt`, written as the registry writes its files."""
    import tablib

    data = FORMATS_BY_NAME[fmt]().export_data(tablib.Dataset(*rows[1:], headers=rows[0]))
    return data.encode("utf-8") if isinstance(data, str) else data


def officer_rows(n, start=0):
    """A CSV of `n` new CSCOs spread over the registry's cities, each with a start date."""
    cities = list(City.objects.values_list("name", "member_state__code"))
    rows = [["name", "designation", "city", "member_state", "role", "start_date"]]
    for i in range(start, start + n):
        city, state = cities[i % len(cities)]
        rows.append([f"Officer {i}", "Designation", city, state, "", f"20{10 + i % 10}-01-01"])
    return csv_bytes(rows)


def rewrite_zip(data, change):
    """A copy of a zip archive with `change(name, content) -> content` applied to each member."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out.getvalue()


def read_back(data, fmt):
    return FORMATS_BY_NAME[fmt]().create_dataset(data)


REGISTRY_MODELS = (Source, Organisation, Network, MemberState, City, Officer, Agreement)


def registry_state(history=True):
    """Row counts of every registry table and, unless `history` is false, of its change
    history, of the admin's log and the public pages' data version."""
    counts = {model.__name__: model.objects.count() for model in REGISTRY_MODELS}
    counts["agreement parties"] = Agreement.parties.through.objects.count()
    if not history:
        return counts
    for model in REGISTRY_MODELS:
        counts[f"{model.__name__} history"] = model.history.count()
        for field, m2m_history in model._history_records.m2m_models.items():
            if field.model is model:
                counts[f"{model.__name__} {field.name} history"] = m2m_history.objects.count()
    counts["LogEntry"] = LogEntry.objects.count()
    counts["data version"] = DataVersion.current().version
    return counts


def admin_preview(client, model_name, filename, data, fmt):
    return client.post(
        reverse(f"admin:registry_{model_name}_import"),
        {"format": FORMAT_INDEX[fmt], "import_file": SimpleUploadedFile(filename, data)},
    )


def admin_confirm(client, model_name, preview):
    form = preview.context["confirm_form"]
    fields = ("import_file_name", "original_file_name", "format", "resource")
    return client.post(
        reverse(f"admin:registry_{model_name}_process_import"),
        {name: form.initial.get(name, "") for name in fields},
    )


FORMATS = ["csv", "xlsx", "ods", "json"]


def import_file(resource_class, data, fmt="csv", **kwargs):
    return resource_class().import_data(read_back(data, fmt), **kwargs)


def page_text(response):
    return html.unescape(response.content.decode())


def count_queries(func):
    with CaptureQueriesContext(connection) as queries:
        func()
    return [q["sql"] for q in queries]
