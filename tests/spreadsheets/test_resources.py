"""The rules of each table: natural keys, posts and tenures, parties, slugs and authorize()."""

import datetime
import unicodedata

from django.core.exceptions import ValidationError

from registry.models import City, Officer
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.resources import CityResource

from ..spreadsheet_files import csv_bytes, import_file, read_back, registry_state


def test_rows_match_by_natural_key_so_reimport_updates_and_never_duplicates(founding):
    rows = [["name", "member_state", "latitude", "longitude"], ["Bangkok", "TH", 13.75, 100.5]]
    first = import_file(CityResource, csv_bytes(rows))
    assert first.totals["update"] == 1
    (row,) = first.changed_rows()
    assert row.changes[0][0] == "latitude"
    again = import_file(CityResource, csv_bytes(rows))
    assert again.totals["skip"] == 1
    assert City.objects.filter(name="Bangkok").count() == 1


def test_officer_rows_blank_role_with_city_is_csco_and_only_state_is_national_representative(
    founding,
):
    rows = [
        ["name", "city", "member_state", "role"],
        ["Dated Newcomer", "Yangon", "", ""],
        ["Representative of Thailand", "", "TH", ""],
    ]
    result = import_file(OfficerResource, csv_bytes(rows))
    assert not result.refused, result.report()
    csco = Officer.objects.get(name="Dated Newcomer")
    assert (csco.role, csco.city.name, csco.member_state) == ("csco", "Yangon", None)
    representative = Officer.objects.get(name="Representative of Thailand")
    assert representative.role == "national_representative"
    assert (representative.city, representative.member_state.code) == (None, "TH")


def test_a_dated_row_fills_in_the_start_of_an_undated_tenure(founding):
    rows = [["name", "city", "start_date"], ["Seng Vannak", "Phnom Penh", "2016-05-01"]]
    result = import_file(OfficerResource, csv_bytes(rows))
    assert result.totals["update"] == 1, result.report()
    assert Officer.objects.filter(name="Seng Vannak").get().start_date == datetime.date(2016, 5, 1)


def test_a_new_csco_ends_the_previous_holders_open_tenure_the_day_before(founding):
    rows = [["name", "city", "start_date"], ["Sok Dara", "Phnom Penh", "2024-01-15"]]
    preview = import_file(OfficerResource, csv_bytes(rows), dry_run=True)
    (row,) = preview.changed_rows()
    assert row.notes == ["replaces Seng Vannak as CSCO of Phnom Penh from 2024-01-15"]
    assert Officer.objects.get(name="Seng Vannak").end_date is None
    import_file(OfficerResource, csv_bytes(rows))
    assert Officer.objects.get(name="Seng Vannak").end_date == datetime.date(2024, 1, 14)
    current = Officer.objects.current().filter(city__name="Phnom Penh")
    assert list(current.values_list("name", flat=True)) == ["Sok Dara"]


def test_new_cscos_of_one_city_in_one_file_end_each_other_in_date_order(founding):
    rows = [
        ["name", "city", "start_date"],
        ["Later Holder", "Phnom Penh", "2022-06-01"],
        ["Earlier Holder", "Phnom Penh", "2019-01-01"],
    ]
    result = import_file(OfficerResource, csv_bytes(rows))
    notes = {row.object_repr.split(" (")[0]: row.notes for row in result.changed_rows()}
    assert notes["Earlier Holder"] == [
        "replaces Seng Vannak as CSCO of Phnom Penh from 2019-01-01"
    ]
    assert notes["Later Holder"] == [
        "replaces Earlier Holder as CSCO of Phnom Penh from 2022-06-01"
    ]
    ends = dict(Officer.objects.filter(city__name="Phnom Penh").values_list("name", "end_date"))
    assert ends == {
        "Seng Vannak": datetime.date(2018, 12, 31),
        "Earlier Holder": datetime.date(2022, 5, 31),
        "Later Holder": None,
    }


def test_slugs_are_made_for_new_records_in_the_script_of_their_names(founding):
    rows = [["name", "member_state"], ["ขอนแก่น", "TH"], ["Khon Kaen", "TH"]]
    result = import_file(CityResource, csv_bytes(rows))
    assert not result.refused, result.report()
    assert City.objects.get(name="Khon Kaen").slug == "khon-kaen"
    assert City.objects.get(name="ขอนแก่น").slug == "ขอนแก่น"


def test_new_slugs_keep_latin_letters_with_a_stroke_and_tell_marks_apart(founding):
    rows = [["name", "member_state"], ["Đồng Hới", "VN"], ["ນະຄອນ", "LA"], ["ນະຄອນ່", "LA"]]
    result = import_file(CityResource, csv_bytes(rows))
    assert not result.refused, result.report()
    assert City.objects.get(name="Đồng Hới").slug == "đồng-hới"
    assert City.objects.get(name="ນະຄອນ").slug == "ນະຄອນ"
    assert City.objects.get(name="ນະຄອນ່").slug == "ນະຄອນ່"


def test_cities_one_mark_apart_get_two_unicode_slugs_and_two_pages(founding, client):
    rows = [
        ["name", "member_state"],
        ["สมชาย ใจดี", "TH"],
        ["สมชาย ใจดี่", "TH"],
        ["Đà Năng", "VN"],
    ]
    result = import_file(CityResource, csv_bytes(rows))
    assert not result.refused, result.report()
    slugs = {c.name: c.slug for c in City.objects.filter(name__in=[r[0] for r in rows])}
    assert slugs == {"สมชาย ใจดี": "สมชาย-ใจดี", "สมชาย ใจดี่": "สมชาย-ใจดี่", "Đà Năng": "đà-năng"}
    for name in slugs:
        city = City.objects.get(name=name)
        url = city.get_absolute_url()
        assert url.isascii() and url.startswith("/cities/%")
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["object"] == city
    again = import_file(CityResource, csv_bytes(rows))
    assert not again.refused, again.report()
    assert again.totals["new"] == 0
    assert City.objects.filter(slug__startswith="สมชาย").count() == 2


def test_a_slug_given_in_a_file_is_checked_and_stored_composed(founding):
    decomposed = unicodedata.normalize("NFD", "hội-an")
    rows = [
        ["name", "member_state", "slug"],
        ["Hội An", "VN", decomposed],
        ["Mỹ Tho", "VN", "my tho"],
    ]
    result = import_file(CityResource, csv_bytes(rows))
    assert "line 3, column slug" in result.report()
    assert "single hyphens" in result.report()
    rows.pop()
    result = import_file(CityResource, csv_bytes(rows))
    assert not result.refused, result.report()
    assert City.objects.get(name="Hội An").slug == "hội-an"


def test_authorize_is_the_one_hook_that_can_refuse_a_row(founding):
    class ThaiCitiesOnly(CityResource):
        def authorize(self, instance, row, user=None, **kwargs):
            if instance.member_state.code != "TH":
                raise ValidationError({"member_state": "you may only edit Thai cities."})

    rows = [["name", "member_state"], ["Khon Kaen", "TH"], ["Hue", "VN"]]
    before = registry_state()
    result = ThaiCitiesOnly().import_data(read_back(csv_bytes(rows), "csv"))
    assert "line 3, column member_state: You may only edit Thai cities." in result.report()
    assert registry_state() == before
