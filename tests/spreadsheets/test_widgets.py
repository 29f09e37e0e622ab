"""Cells read by the widgets: codes in any case, same-named cities, name lists, date cells."""

import datetime

from registry.models import Agreement, City, MemberState, Network, Officer
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.resources import AgreementResource, CityResource

from .. import factories
from ..spreadsheet_files import csv_bytes, import_file, xlsx_bytes


def test_native_date_cells_and_iso_text_are_both_read(founding):
    rows = [
        ["name", "city", "start_date", "end_date"],
        ["Native Date", "Bangkok", datetime.date(2024, 1, 15), None],
        ["Iso Text", "Hanoi", "2024-02-01", ""],
    ]
    result = import_file(OfficerResource, xlsx_bytes(rows), "xlsx")
    assert not result.refused, result.report()
    assert Officer.objects.get(name="Native Date").start_date == datetime.date(2024, 1, 15)
    assert Officer.objects.get(name="Iso Text").start_date == datetime.date(2024, 2, 1)


def test_member_state_codes_match_in_any_case_with_spaces(founding):
    rows = [["name", "member_state"], ["Khon Kaen", " th "], ["Udon Thani", "Th"]]
    result = import_file(CityResource, csv_bytes(rows))
    assert not result.refused, result.report()
    assert set(City.objects.filter(member_state__code="TH").values_list("name", flat=True)) >= {
        "Khon Kaen",
        "Udon Thani",
    }


def test_a_member_state_column_tells_same_named_cities_apart(founding):
    factories.city(
        name="Vientiane", slug="vientiane-th", member_state=MemberState.objects.get(code="TH")
    )
    ambiguous = import_file(
        OfficerResource, csv_bytes([["name", "city"], ["Somsak", "Vientiane"]])
    )
    assert "There are cities named 'Vientiane' in LA, TH" in ambiguous.report()
    rows = [["name", "city", "member_state"], ["Somsak", "Vientiane", "LA"]]
    result = import_file(OfficerResource, csv_bytes(rows))
    assert not result.refused, result.report()
    assert Officer.objects.get(name="Somsak").city.member_state.code == "LA"


def test_agreement_parties_are_a_semicolon_list_of_organisation_names(founding):
    rows = [
        ["title", "kind", "parties", "date"],
        ["New MOU", "MOU", "Australia; United Nations Development Programme", "2024-03-01"],
    ]
    result = import_file(AgreementResource, csv_bytes(rows))
    assert not result.refused, result.report()
    mou = Agreement.objects.get(title="New MOU")
    assert sorted(mou.parties.values_list("abbreviation", flat=True))[-1] == "UNDP"
    assert mou.parties.count() == 2
    assert mou.network == Network.objects.get()
    rows[1][2] = "Australia"
    rows[1][1] = "funding"
    import_file(AgreementResource, csv_bytes(rows))
    assert list(mou.parties.values_list("name", flat=True)) == ["Australia"]
