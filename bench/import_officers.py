"""
How fast officer rows import, as the admin and the commands import them: rows per second and
queries per row for new rows and for updates, from CSV and from XLSX.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ascn_import DJANGO_DEBUG=1 \
        .venv/bin/python bench/import_officers.py [ROWS]

The database must be migrated. Everything runs in a transaction that is rolled back, so the
registry is left as it was; the founding data is loaded inside it when the registry is empty.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ascn.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from registry.models import City, Network, Officer  # noqa: E402
from registry.spreadsheets.downloads import export_bytes  # noqa: E402
from registry.spreadsheets.formats import CSV, XLSX  # noqa: E402
from registry.spreadsheets.officers import OfficerResource  # noqa: E402
from registry.spreadsheets.writers import csv_lines  # noqa: E402


def officer_csv(n, designation):
    cities = list(City.objects.values_list("name", "member_state__code"))
    header = ["name", "designation", "city", "member_state", "role", "start_date", "end_date"]
    rows = (
        [
            f"Bench Officer {i}",
            designation,
            cities[i % len(cities)][0],
            cities[i % len(cities)][1],
            "",
            f"{2000 + i % 20}-01-01",
            f"{2001 + i % 20}-12-31",
        ]
        for i in range(n)
    )
    return "".join(csv_lines(header, rows)).encode()


def run(label, data, file_format, n):
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        dataset = file_format.create_dataset(data)
        read = time.perf_counter()
        result = OfficerResource().import_data(dataset)
    elapsed = time.perf_counter() - started
    assert not result.refused, result.report()
    print(
        f"{label:<22} {n / elapsed:>9,.0f} rows/s  {elapsed:6.2f} s "
        f"(reading {read - started:5.2f} s)  {len(queries) / n:.4f} queries/row  "
        f"[{result.summary()}]"
    )
    return n / elapsed


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with transaction.atomic():
        if not Network.objects.exists():
            call_command("loaddata", "founding_2018", verbosity=0)
        new_csv = officer_csv(n, "Bench designation")
        changed_csv = officer_csv(n, "Changed designation")
        csv_new = run("CSV, new rows", new_csv, CSV(), n)
        run("CSV, updated rows", changed_csv, CSV(), n)
        run("CSV, unchanged rows", changed_csv, CSV(), n)
        bench = Officer.objects.filter(name__startswith="Bench Officer")
        xlsx = export_bytes(bench, "xlsx")
        bench.delete()
        xlsx_new = run("XLSX, new rows", xlsx, XLSX(), n)
        print(f"XLSX rate / CSV rate (new rows): {xlsx_new / csv_new:.0%}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
