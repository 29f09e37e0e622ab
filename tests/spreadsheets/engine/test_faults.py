"""
Faults in the middle of an import: a database error after some batches were written, and an
import process killed while it writes. Either way nothing of the import remains, history
included.
"""

import signal
import subprocess
import sys
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection

from registry.models import City, Officer
from registry.spreadsheets.engine.resource import RegistryResource
from registry.spreadsheets.officers import OfficerResource

from ...servers import BASE_DIR, development_environment, poll, writer_of
from ...spreadsheet_files import officer_rows, read_back, registry_state

ROWS = 5000


def fail_on_call(method_name, failing_call):
    """Patch a batch write of RegistryResource so that its `failing_call`-th call writes its
    batch and then hits a real database error (a NOT NULL violation), as a lost disk or a
    broken constraint would."""
    original = getattr(RegistryResource, method_name)
    calls = []

    def write_then_fail(self, *args, **kwargs):
        original(self, *args, **kwargs)
        calls.append(len(args[0]))
        if len(calls) == failing_call:
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {City._meta.db_table} (name) VALUES (NULL)")

    return mock.patch.object(RegistryResource, method_name, write_then_fail), calls


@pytest.mark.django_db
def test_a_database_error_after_the_first_batches_of_new_rows_writes_nothing(founding):
    before = registry_state()
    patch, calls = fail_on_call("persist_new", failing_call=3)
    with patch:
        result = OfficerResource().import_data(read_back(officer_rows(ROWS), "csv"))
    assert calls[:3] == [1000, 1000, 1000]  # two batches and their history were written first
    assert result.refused
    assert "The database refused the rows" in result.report()
    assert "nothing was written" in result.report()
    assert registry_state() == before
    assert Officer.objects.filter(name__startswith="Officer ").count() == 0


@pytest.mark.django_db
def test_a_database_error_after_the_first_batches_of_changed_rows_writes_nothing(founding):
    OfficerResource().import_data(read_back(officer_rows(ROWS), "csv"))
    before = registry_state()
    changed = officer_rows(ROWS).replace(b"Designation", b"Changed")
    patch, calls = fail_on_call("persist_changes", failing_call=2)
    with patch:
        result = OfficerResource().import_data(read_back(changed, "csv"))
    assert calls[:2] == [1000, 1000]
    assert result.refused
    assert registry_state() == before
    assert not Officer.objects.filter(designation="Changed").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_import_process_leaves_nothing_written(tmp_path):
    """`manage.py import` killed (SIGKILL) while it writes: PostgreSQL rolls its transaction
    back, and the registry and its history are as before."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs a second process on the same database: the SQLite test database is in "
            "memory, private to this process (set DATABASE_URL to run it on PostgreSQL)"
        )
    call_command("loaddata", "founding_2018", verbosity=0)
    path = tmp_path / "officers.csv"
    path.write_bytes(officer_rows(20000))
    before = registry_state()

    command = [sys.executable, "manage.py", "import", "registry.resources.OfficerResource"]
    process = subprocess.Popen(
        [*command, str(path), "--no-input"],
        cwd=BASE_DIR,
        env=development_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        writer = poll(
            lambda: writer_of(Officer._meta.db_table, process),
            what="the import to start writing",
        )
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    wait_until_gone(writer)
    assert registry_state() == before


def wait_until_gone(pid):
    def gone():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            return cursor.fetchone()[0] == 0

    poll(gone, what="PostgreSQL to end the killed import's session")
