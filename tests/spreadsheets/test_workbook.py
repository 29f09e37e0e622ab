"""The whole-registry workbook: export_registry and import_registry, all or nothing."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from registry.models import City, MemberState, Officer
from registry.spreadsheets.files import read_workbook
from registry.spreadsheets.workbook import export_workbook, import_workbook

from ..spreadsheet_files import registry_state, xlsx_bytes


def test_export_registry_flush_import_registry_recreates_the_same_registry(founding, tmp_path):
    path = tmp_path / "registry.xlsx"
    call_command("export_registry", str(path), stderr=io.StringIO())
    before = {name: data.dict for name, data in read_workbook(path.read_bytes()).items()}
    counts = registry_state(history=False)
    if connection.vendor == "postgresql":
        # The baselines loaddata wrote are rows with deferred foreign-key checks pending in
        # the test's transaction; PostgreSQL truncates only once they have been checked.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", "--no-input")
    assert Officer.objects.count() == City.objects.count() == 0
    out = io.StringIO()
    call_command("import_registry", str(path), stdout=out)
    assert "officers: 28 new, 0 updated, 0 unchanged" in out.getvalue()
    after = {name: data.dict for name, data in read_workbook(export_workbook("xlsx")).items()}
    assert after == before
    assert registry_state(history=False) == counts


def test_import_registry_dry_run_writes_nothing_and_prints_a_summary_per_sheet(founding, tmp_path):
    Officer.objects.filter(name="Seng Vannak").update(designation="Changed")
    path = tmp_path / "registry.xlsx"
    path.write_bytes(export_workbook("xlsx"))
    Officer.objects.filter(name="Seng Vannak").update(designation="Chief of Administration")
    out = io.StringIO()
    call_command("import_registry", str(path), "--dry-run", stdout=out)
    assert "officers: 0 new, 1 updated, 27 unchanged" in out.getvalue()
    assert "cities: 0 new, 0 updated, 26 unchanged" in out.getvalue()
    assert "Dry run: nothing was written." in out.getvalue()
    assert Officer.objects.get(name="Seng Vannak").designation == "Chief of Administration"


def test_import_registry_is_atomic_across_sheets(founding):
    """A good member_states sheet is not written when the cities sheet has a bad row."""
    states = [["code", "name", "code_alpha3"], ["QZ", "Testland", "QZQ"]]
    bad_cities = [["name", "member_state"], ["Atlantis", "XX"]]

    def two_sheets(workbook, sheet):
        cities = workbook.create_sheet("cities")
        for row in bad_cities:
            cities.append(row)

    data = xlsx_bytes(states, two_sheets, title="member_states")
    before = registry_state()
    result = import_workbook(data, "xlsx")
    assert result.refused
    assert "cities, line 2, column member_state: Unknown member state 'XX'" in result.report()
    assert registry_state() == before
    assert not MemberState.objects.filter(code="QZ").exists()


def test_import_registry_shows_a_progress_bar_on_a_terminal(founding, tmp_path):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    path = tmp_path / "registry.xlsx"
    path.write_bytes(export_workbook("xlsx"))
    terminal = Terminal()
    call_command("import_registry", str(path), "--dry-run", stderr=terminal, stdout=io.StringIO())
    assert "officers [##############################] 28/28 rows" in terminal.getvalue()
    plain = io.StringIO()
    call_command("import_registry", str(path), "--dry-run", stderr=plain, stdout=io.StringIO())
    assert "rows" not in plain.getvalue()


def test_import_registry_fails_with_the_problems_and_writes_nothing(founding, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx_bytes([["name", "member_state"], ["Atlantis", "XX"]], title="cities"))
    before = registry_state()
    with pytest.raises(CommandError, match="line 2, column member_state: Unknown member state"):
        call_command("import_registry", str(path))
    assert registry_state() == before
