"""
A bounded load test: wrk reads the public pages from gunicorn (production settings, on
PostgreSQL) while `manage.py import` writes 20,000 officers. Every response must succeed, and
every officer list read must show the registry before the import or after it, never between.

PostgreSQL only, like production; about 20 s. wrk comes from Debian (apt-get install wrk;
.ci/run installs it). `pytest -m "not load"` leaves it out.
"""

import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from registry.models import Officer

from .servers import (
    BASE_DIR,
    PROXY_HEADERS,
    development_environment,
    fetch,
    gunicorn,
    poll,
    writer_of,
)
from .spreadsheet_files import officer_rows

pytestmark = [
    pytest.mark.load,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

READERS = Path(__file__).parent / "load" / "readers.lua"
ROWS = 20_000


@pytest.fixture
def server(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the load test runs against gunicorn on PostgreSQL, as production does; the "
            "SQLite test database is in memory, private to this process"
        )
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install wrk)")
    call_command("loaddata", "founding_2018", verbosity=0)
    # Persistent database connections, as in production (the default DJANGO_CONN_MAX_AGE).
    with gunicorn(tmp_path, workers=2, DJANGO_CONN_MAX_AGE="60") as url:
        yield url


def officer_total(url):
    status, _headers, body = fetch(f"{url}/officers/?current=all", **PROXY_HEADERS)
    assert status == 200
    return int(re.search(rb'<p class="result-count">(\d+) tenure', body).group(1))


def test_public_pages_answer_every_reader_during_a_large_import(server, tmp_path):
    before = officer_total(server)
    path = tmp_path / "officers.csv"
    path.write_bytes(officer_rows(ROWS))

    importer = subprocess.Popen(
        [sys.executable, "manage.py", "import", "registry.resources.OfficerResource"]
        + [str(path), "--no-input"],
        cwd=BASE_DIR,
        env=development_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    readers = None
    try:
        # Readers start once the import holds written, uncommitted rows, and stop when it ends.
        poll(lambda: writer_of(Officer._meta.db_table, importer), what="the import to write")
        readers = subprocess.Popen(
            ["wrk", "--threads", "2", "--connections", "8", "--duration", "120s"]
            + ["--timeout", "10s", "--script", str(READERS), server],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert importer.wait(timeout=120) == 0, importer.stderr.read()
        after = officer_total(server)
        readers.send_signal(signal.SIGINT)  # wrk stops and prints its report
        report, _ = readers.communicate(timeout=30)
    finally:
        for process in (importer, readers):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    print(report)

    assert after == before + ROWS
    requests = int(re.search(r"(\d+) requests in", report).group(1))
    statuses = dict(re.findall(r"^status (\d+) (\d+)$", report, re.MULTILINE))
    assert requests > 0 and statuses == {"200": str(requests)}, statuses
    assert "Socket errors" not in report and "Non-2xx" not in report
    totals_seen = {int(total) for total in re.findall(r"^officers (\d+) ", report, re.MULTILINE)}
    assert before in totals_seen  # the readers overlapped the import...
    assert totals_seen <= {before, after}  # ...and saw it whole or not at all
