"""The handover rule on re-import and restore: it ends only what a file leaves unsaid."""

import datetime

from registry.models import City, Officer
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.workbook import export_workbook, import_workbook

from ..registry_states import empty_registry, registry_records
from ..spreadsheet_files import csv_bytes, import_file, registry_state

HANDOVER = [
    ["name", "city", "start_date", "end_date"],
    ["Seng Vannak", "Phnom Penh", "", ""],
    ["Sok Dara", "Phnom Penh", "2024-01-15", ""],
]


def test_a_handover_file_imported_twice_leaves_the_registry_as_after_the_first(founding):
    first = import_file(OfficerResource, csv_bytes(HANDOVER))
    assert not first.refused, first.report()
    assert Officer.objects.get(name="Seng Vannak").end_date == datetime.date(2024, 1, 14)
    after_first = (registry_records(), registry_state())
    again = import_file(OfficerResource, csv_bytes(HANDOVER))
    assert (again.totals["new"], again.totals["update"]) == (0, 0), again.report()
    assert (registry_records(), registry_state()) == after_first
    current = Officer.objects.current().filter(city__name="Phnom Penh")
    assert list(current.values_list("name", flat=True)) == ["Sok Dara"]


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
