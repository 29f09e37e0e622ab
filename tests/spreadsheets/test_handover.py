"""The handover rule on re-import and restore: it ends only what a file leaves unsaid."""

import datetime

import pytest

from registry.models import City, Officer
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.workbook import export_workbook, import_workbook
from registry.spreadsheets.writers import write_ods, write_xlsx

from ..registry_states import empty_registry, record_versions, registry_records
from ..spreadsheet_files import FORMATS, csv_bytes, file_bytes, import_file, registry_state

HANDOVER = [
    ["name", "city", "start_date", "end_date"],
    ["Seng Vannak", "Phnom Penh", "", ""],
    ["Sok Dara", "Phnom Penh", "2024-01-15", ""],
]


def assert_the_handover_stands():
    """Seng Vannak ended the day before Sok Dara began, the one CSCO of Phnom Penh in post."""
    assert Officer.objects.get(name="Seng Vannak").end_date == datetime.date(2024, 1, 14)
    current = Officer.objects.current().filter(city__name="Phnom Penh", role=Officer.Role.CSCO)
    assert list(current.values_list("name", flat=True)) == ["Sok Dara"]


def registry_now():
    """Every record's fields, its version, and the counts of history, log and data version."""
    return registry_records(), record_versions(), registry_state()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_handover_file_imported_twice_leaves_the_registry_as_after_the_first(founding, fmt):
    data = file_bytes(HANDOVER, fmt)
    first = import_file(OfficerResource, data, fmt)
    assert not first.refused, first.report()
    assert first.totals["new"] == 1, first.report()  # Sok Dara; the rule ends Seng Vannak
    assert_the_handover_stands()
    after_first = registry_now()
    again = import_file(OfficerResource, data, fmt)
    assert not again.refused, again.report()
    assert (again.totals["new"], again.totals["update"]) == (0, 0), again.report()
    assert registry_now() == after_first
    assert_the_handover_stands()


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_handover_workbook_imported_twice_leaves_the_registry_as_after_the_first(founding, fmt):
    writer = write_xlsx if fmt == "xlsx" else write_ods
    workbook = writer([("officers", HANDOVER[0], HANDOVER[1:])])
    first = import_workbook(workbook, fmt)
    assert not first.refused, first.report()
    assert_the_handover_stands()
    after_first = registry_now()
    again = import_workbook(workbook, fmt)
    assert not again.refused, again.report()
    assert [(s, r.totals["new"], r.totals["update"]) for s, r in again.results] == [
        ("officers", 0, 0)
    ]
    assert registry_now() == after_first
    assert_the_handover_stands()


def test_a_blank_end_date_keeps_the_end_the_registry_has_stored(founding):
    seng = Officer.objects.get(name="Seng Vannak")
    seng.end_date = datetime.date(2020, 6, 30)
    seng.save()
    rows = [["name", "city", "end_date"], ["Seng Vannak", "Phnom Penh", ""]]
    result = import_file(OfficerResource, csv_bytes(rows))
    assert result.totals["skip"] == 1, result.report()
    assert Officer.objects.get(name="Seng Vannak").end_date == datetime.date(2020, 6, 30)


def test_a_new_csco_still_ends_the_tenure_open_in_the_database(founding):
    rows = [
        ["name", "city", "start_date", "end_date"],
        ["Sok Dara", "Phnom Penh", "2024-01-15", ""],
    ]
    import_file(OfficerResource, csv_bytes(rows))
    assert Officer.objects.get(name="Seng Vannak").end_date == datetime.date(2024, 1, 14)


def test_two_open_cscos_of_one_city_are_restored_both_open(founding):
    city = City.objects.get(name="Phnom Penh")
    Officer.objects.create(name="Sok Dara", city=city, start_date=datetime.date(2024, 1, 15))
    Officer.objects.filter(name="Seng Vannak").update(start_date=datetime.date(2019, 3, 1))
    before = registry_records()
    workbook = export_workbook("xlsx")
    empty_registry()
    result = import_workbook(workbook, "xlsx")
    assert not result.refused, result.report()
    assert registry_records() == before
    assert Officer.objects.current().filter(city__name="Phnom Penh").count() == 2
    again = import_workbook(workbook, "xlsx")
    assert all(r.totals["new"] + r.totals["update"] == 0 for _s, r in again.results)
    assert registry_records() == before
