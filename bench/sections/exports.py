"""
Export: officer rows to CSV and XLSX through the project's export path, against the stock
django-import-export resource and psycopg COPY TO (the floor), at two sizes to show whether
memory grows with the number of rows. Streamed references (csv.writer and openpyxl's
write-only mode over a server-side cursor) show what a streamed export can reach.
"""

import csv
from pathlib import Path

from django.db import connection
from import_export.formats import base_formats

from bench import data
from bench.measure import measured
from bench.results import Section, SkipSection
from bench.runner import best_of
from bench.stock import StockOfficerResource
from registry.models import Officer

EXPORT_SQL = """
    SELECT o.name, o.designation, c.name, COALESCE(cs.code, s.code), o.role,
           o.start_date, o.end_date
    FROM registry_officer o
    LEFT JOIN registry_city c ON c.id = o.city_id
    LEFT JOIN registry_memberstate cs ON cs.id = c.member_state_id
    LEFT JOIN registry_memberstate s ON s.id = o.member_state_id
    ORDER BY o.name, o.start_date, o.id
"""


def project_export(path, file_format):
    """
    The project's export path (issue 3): the download the admin's export and the public
    lists' `?format=` answer with, written to a file as a client would receive it.
    """
    try:
        from registry.spreadsheets.downloads import export_response
    except ImportError as error:
        raise SkipSection("export path not merged yet") from error
    response = export_response(Officer.objects.with_posts(), file_format)
    with open(path, "wb") as out:
        if response.streaming:
            for chunk in response.streaming_content:
                out.write(chunk)
        else:
            out.write(response.content)


def copy_to(path, file_format):
    sql = f"COPY ({EXPORT_SQL}) TO STDOUT (FORMAT csv, HEADER)"
    with open(path, "wb") as out, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for block in copy:
            out.write(block)


def stock_export(path, file_format):
    # The queryset the admin hands to the resource (the changelist's, with its joins).
    dataset = StockOfficerResource().export(
        queryset=Officer.objects.select_related("city", "member_state")
    )
    if file_format == "csv":
        Path(path).write_text(base_formats.CSV().export_data(dataset), encoding="utf-8")
    else:
        Path(path).write_bytes(base_formats.XLSX().export_data(dataset))


def _rows():
    return (
        Officer.objects.order_by("name", "start_date", "pk")
        .values_list(
            "name",
            "designation",
            "city__name",
            "city__member_state__code",
            "member_state__code",
            "role",
            "start_date",
            "end_date",
        )
        .iterator(chunk_size=2000)
    )


def streamed_csv(path, file_format):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(data.OFFICER_COLUMNS)
        for name, designation, city, city_state, state, role, start, end in _rows():
            writer.writerow([name, designation, city, city_state or state, role, start, end])


def streamed_xlsx(path, file_format):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("officers")
    sheet.append(data.OFFICER_COLUMNS)
    for name, designation, city, city_state, state, role, start, end in _rows():
        sheet.append([name, designation, city, city_state or state, role, start, end])
    workbook.save(path)


# label -> (format, step, COPY statements the query log cannot see); each runs in its own
# worker at each size.
CASES = {
    "psycopg COPY TO (floor)": ("csv", copy_to, 1),
    "project export, CSV": ("csv", project_export, 0),
    "project export, XLSX": ("xlsx", project_export, 0),
    "stock ModelResource, CSV": ("csv", stock_export, 0),
    "stock ModelResource, XLSX": ("xlsx", stock_export, 0),
    "reference: csv.writer over iterator()": ("csv", streamed_csv, 0),
    "reference: openpyxl write-only over iterator()": ("xlsx", streamed_xlsx, 0),
}


def run_case(label, path):
    file_format, step, copy_statements = CASES[label]
    rows = Officer.objects.count()
    with measured() as m:
        step(path, file_format)
    m.extra_queries = copy_statements
    return {
        "rows": rows,
        "seconds": m.seconds,
        "rows_per_s": rows / m.seconds if m.seconds else None,
        "queries": m.total_queries,
        "peak_mib": m.peak_mib,
        "bytes": Path(path).stat().st_size,
    }


TASKS = {"export-case": run_case}


def section(ctx):
    sizes = ctx.sizes.export_rows
    result = Section(
        title=f"Export: {sizes[-1]:,} officer rows",
        description=(
            "Officer rows written to a file, each case in a fresh process (the fastest of "
            f"{ctx.sizes.case_runs} runs), at {sizes[0]:,} and "
            f"{sizes[-1]:,} rows: peak memory that stays level between the two sizes means a "
            "streamed export. *vs COPY* is the rate as a share of COPY TO's at the larger size."
        ),
        columns=[
            ("case", "Case"),
            ("rows", "Rows"),
            ("rows_per_s", "Rows/s"),
            ("queries", "Queries"),
            ("small_peak_mib", f"Peak MiB at {sizes[0]:,}"),
            ("peak_mib", f"Peak MiB at {sizes[-1]:,}"),
            ("vs_copy", "vs COPY"),
        ],
    )
    out = ctx.data_dir / "export"
    out.mkdir(parents=True, exist_ok=True)
    measured_at = {}
    for size in sizes:
        ctx.log(f"export: {size:,} rows")
        ctx.worker("load-officers", count=size, total_cities=ctx.sizes.cities, seed=ctx.seed)
        for label, (file_format, _, _) in CASES.items():
            path = str(out / f"export.{file_format}")
            runs = [
                [ctx.worker("export-case", label=label, path=path)]
                for _ in range(ctx.sizes.case_runs)
            ]
            measured_at.setdefault(label, {})[size] = best_of(runs)[0]
    floor = measured_at["psycopg COPY TO (floor)"][sizes[-1]].get("rows_per_s")
    for label, by_size in measured_at.items():
        large, small = by_size[sizes[-1]], by_size[sizes[0]]
        if "skipped" in large:
            result.rows.append({"case": label, "note": f"skipped: {large['skipped']}"})
            continue
        row = {"case": label, **large, "small_peak_mib": small.get("peak_mib")}
        if floor and row.get("rows_per_s"):
            row["vs_copy"] = f"{row['rows_per_s'] / floor:.1%}"
        result.rows.append(row)
    return result
