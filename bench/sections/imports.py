"""
Import: officer rows from CSV and XLSX through the project's import path, against the stock
django-import-export resource, bulk_create, and psycopg COPY (the floor), and XLSX parsing
alone. Every case starts from the same file bytes and an empty officer table.
"""

import csv
import io
from pathlib import Path

from django.db import connection, transaction
from import_export.formats import base_formats

from bench import data, db
from bench.measure import measured
from bench.results import Section, SkipSection
from bench.runner import best_of
from bench.stock import StockOfficerResource
from registry.models import Officer

# Steps of each case, run in order in one worker on a fresh officer table: (label, file, step).
# "new" is the generated file, "same" the same file again, "changed" the same tenures with
# every designation changed (real updates).


def project_import(path, file_format):
    """
    The project's import path (issue 3): RegistryResource.import_data(), which the admin's
    confirm step and the import commands call, on the file read as they read it.
    """
    try:
        from registry.spreadsheets.formats import format_for_name
        from registry.spreadsheets.officers import OfficerResource
    except ImportError as error:
        raise SkipSection("import path not merged yet") from error
    dataset = format_for_name(file_format)().create_dataset(_read(path))
    result = OfficerResource().import_data(dataset)
    if result.refused:
        raise RuntimeError(f"the project import refused {path}:\n{result.report()}")
    return len(dataset), result.summary()


def _read(path):
    return Path(path).read_bytes()


def _dataset(path, file_format):
    """The file as django-import-export reads it (tablib; openpyxl read-only for XLSX)."""
    if file_format == "csv":
        return base_formats.CSV().create_dataset(_read(path).decode("utf-8-sig"))
    return base_formats.XLSX().create_dataset(_read(path))


def stock_import(path, file_format):
    dataset = _dataset(path, file_format)
    result = StockOfficerResource().import_data(dataset, dry_run=False, raise_errors=True)
    return result.total_rows


def _csv_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        yield from csv.DictReader(f)


def bulk_create_import(path, file_format):
    cities, states = db.foreign_keys()
    officers = []
    for row in _csv_rows(path):
        values = dict(zip(db.COPY_COLUMNS, db.copy_tuple(row, cities, states), strict=True))
        officers.append(Officer(**values))
    Officer.objects.bulk_create(officers, batch_size=2000)
    return len(officers)


def copy_import(path, file_format):
    return db.copy_officers(_csv_rows(path))


def without_search_indexes(step):
    """
    `step` with the trigram search indexes dropped, in a transaction rolled back after: what
    those indexes (migration 0003) cost a bulk load.
    """

    def run(path, file_format):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                    [db.OFFICER_TABLE, "%gin_trgm_ops%"],
                )
                for (index,) in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{index}"')
            answer = step(path, file_format)
            transaction.set_rollback(True)
        return answer

    return run


def copy_merge_import(path, file_format):
    """COPY into a temporary table, then one MERGE: the floor for updating existing rows."""
    cities, states = db.foreign_keys()
    columns = ", ".join(db.COPY_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_officer_in (name text, designation text, role text, "
            "city_id bigint, member_state_id bigint, start_date date, end_date date, "
            "search_text text) "
            "ON COMMIT DROP"
        )
        count = 0
        with cursor.cursor.copy(f"COPY bench_officer_in ({columns}) FROM STDIN") as copy:
            for row in _csv_rows(path):
                copy.write_row(db.copy_tuple(row, cities, states))
                count += 1
        cursor.execute(
            "MERGE INTO registry_officer o USING bench_officer_in i "
            "ON o.name = i.name AND o.start_date = i.start_date "
            "AND o.city_id IS NOT DISTINCT FROM i.city_id "
            "AND o.member_state_id IS NOT DISTINCT FROM i.member_state_id "
            "WHEN MATCHED THEN UPDATE SET designation = i.designation, role = i.role, "
            "end_date = i.end_date, search_text = i.search_text "
            f"WHEN NOT MATCHED THEN INSERT ({columns}) VALUES (i.name, i.designation, i.role, "
            "i.city_id, i.member_state_id, i.start_date, i.end_date, i.search_text)"
        )
    return count


def parse_csv(path, file_format):
    return sum(1 for _ in _csv_rows(path))


def parse_openpyxl(path, file_format):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(_read(path)), read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return count - 1


def parse_calamine(path, file_format):
    try:
        from python_calamine import CalamineWorkbook
    except ImportError as error:
        raise SkipSection("python-calamine is not installed") from error
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(_read(path)))
    return sum(1 for _ in workbook.get_sheet_by_index(0).iter_rows()) - 1


# case -> [(label, which file, format, step, counts COPY statements)], in the order they run.
CASES = {
    "copy": [
        ("psycopg COPY (floor)", "new", "csv", copy_import, 1),
        (
            "COPY + MERGE, same tenures changed (update floor)",
            "changed",
            "csv",
            copy_merge_import,
            1,
        ),
    ],
    "copy-without-search-indexes": [
        (
            "reference: COPY without the trigram search indexes",
            "new",
            "csv",
            without_search_indexes(copy_import),
            1,
        ),
    ],
    "bulk-create": [("bulk_create", "new", "csv", bulk_create_import, 0)],
    "stock-csv": [
        ("stock ModelResource, CSV, new", "stock", "csv", stock_import, 0),
        ("stock ModelResource, CSV, same file again", "stock", "csv", stock_import, 0),
    ],
    "project-csv": [
        ("project import, CSV, new", "new", "csv", project_import, 0),
        ("project import, CSV, same file again", "new", "csv", project_import, 0),
        ("project import, CSV, changed", "changed", "csv", project_import, 0),
    ],
    "project-xlsx": [
        ("project import, XLSX, new", "new", "xlsx", project_import, 0),
        ("project import, XLSX, changed", "changed", "xlsx", project_import, 0),
    ],
    "project-csv-without-search-indexes": [
        (
            "reference: project import, CSV, new, without the trigram search indexes",
            "new",
            "csv",
            without_search_indexes(project_import),
            0,
        ),
    ],
    "parse-csv": [("parse only, CSV (csv module)", "new", "csv", parse_csv, 0)],
    "parse-openpyxl": [("parse only, XLSX, openpyxl read-only", "new", "xlsx", parse_openpyxl, 0)],
    "parse-calamine": [("parse only, XLSX, python-calamine", "new", "xlsx", parse_calamine, 0)],
}


def run_case(case, files):
    """Worker side: each step of `case` on a fresh officer table, measured."""
    db.truncate_officers()
    db.analyze()
    results = []
    for label, which, file_format, step, copy_statements in CASES[case]:
        path = files[f"{which}.{file_format}"]
        try:
            with measured() as m:
                rows = step(path, file_format)
        except SkipSection as skipped:
            results.append({"case": label, "note": f"skipped: {skipped}"})
            continue
        # A step returns its row count, or (row count, what the import reported).
        rows, note = rows if isinstance(rows, tuple) else (rows, "")
        m.extra_queries = copy_statements
        results.append(
            {
                "case": label,
                "rows": rows,
                "seconds": m.seconds,
                "rows_per_s": rows / m.seconds if m.seconds else None,
                "queries_per_row": m.total_queries / rows if rows else None,
                "peak_mib": m.peak_mib,
                "note": note,
            }
        )
    return results


TASKS = {"import-case": run_case}


def write_files(directory, rows, stock_rows, total_cities, seed):
    """The officer files every case reads: new, changed (CSV and XLSX) and the stock subset."""
    directory = Path(directory) / f"seed-{seed}-rows-{rows}-cities-{total_cities}"
    files = {
        "new.csv": directory / "officers.csv",
        "new.xlsx": directory / "officers.xlsx",
        "changed.csv": directory / "officers-changed.csv",
        "changed.xlsx": directory / "officers-changed.xlsx",
        "stock.csv": directory / f"officers-first-{stock_rows}.csv",
    }
    if not all(path.exists() for path in files.values()):
        officers = data.generate_officers(rows, data.generate_cities(total_cities, seed), seed)
        updates = data.changed(officers)
        data.write_csv(files["new.csv"], officers)
        data.write_xlsx(files["new.xlsx"], officers)
        data.write_csv(files["changed.csv"], updates)
        data.write_xlsx(files["changed.xlsx"], updates)
        # The stock resource knows nothing of posts: a CSCO row names its city only.
        data.write_csv(
            files["stock.csv"],
            [
                {**r, "member_state": "" if r["city"] else r["member_state"]}
                for r in officers[:stock_rows]
            ],
        )
    return {key: str(path) for key, path in files.items()}


def section(ctx):
    """Parent side: every case in its own worker; the table and its ratios."""
    files = write_files(
        ctx.data_dir, ctx.sizes.import_rows, ctx.sizes.stock_rows, ctx.sizes.cities, ctx.seed
    )
    result = Section(
        title=f"Import: {ctx.sizes.import_rows:,} officer rows",
        description=(
            f"Officer rows ({', '.join(data.OFFICER_COLUMNS)}) across {ctx.sizes.cities:,} "
            "existing cities, read from the same file bytes by every case, each case in a "
            "fresh process on an emptied officer table, the fastest of "
            f"{ctx.sizes.case_runs} runs. *vs COPY* is the rate as a share of "
            "psycopg COPY's. Peak memory is the growth of the worker's resident set. The stock "
            f"resource runs on the first {ctx.sizes.stock_rows:,} rows only (at its rate the "
            "whole file would take minutes); its rate is per row all the same."
        ),
        columns=[
            ("case", "Case"),
            ("rows", "Rows"),
            ("seconds", "Seconds"),
            ("rows_per_s", "Rows/s"),
            ("queries_per_row", "Queries/row"),
            ("peak_mib", "Peak MiB"),
            ("vs_copy", "vs COPY"),
        ],
    )
    for case in CASES:
        ctx.log(f"import: {case}")
        # The stock resource is too slow to run twice in the time budget.
        runs = 1 if case.startswith("stock") else ctx.sizes.case_runs
        result.rows += best_of(
            [ctx.worker("import-case", case=case, files=files) for _ in range(runs)]
        )
    floor = next(
        (r["rows_per_s"] for r in result.rows if r.get("case", "").startswith("psycopg COPY")),
        None,
    )
    for row in result.rows:
        # Parsing alone writes nothing: it is compared with the import it is part of instead.
        if floor and row.get("rows_per_s") and not row["case"].startswith("parse only"):
            row["vs_copy"] = f"{row['rows_per_s'] / floor:.1%}"
    return result
