"""Spreadsheet import and export: round trips, the admin, the commands, the rules of each table."""

import csv
import datetime
import gc
import html
import io
import json
import re
import unicodedata
from decimal import Decimal

import pytest
import tablib
from django.contrib.admin.models import LogEntry
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models.signals import post_init
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.models import Agreement, City, MemberState, Network, Officer, Source
from registry.spreadsheets import gc_pause
from registry.spreadsheets.downloads import export_bytes, export_response
from registry.spreadsheets.engine.prepare import normalise_text
from registry.spreadsheets.escaping import FORMULA_TRIGGERS
from registry.spreadsheets.files import read_workbook
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.resources import (
    RESOURCES,
    AgreementResource,
    CityResource,
    SourceResource,
)
from registry.spreadsheets.storage import SharedCacheStorage
from registry.spreadsheets.workbook import export_workbook, import_workbook

from . import factories
from .spreadsheet_files import (
    admin_confirm,
    admin_preview,
    csv_bytes,
    officer_rows,
    read_back,
    registry_state,
    xlsx_bytes,
)

FORMATS = ["csv", "xlsx", "ods", "json"]
ASEAN_TEXT = {
    "th": "กรุงเทพมหานคร",
    "km": "ភ្នំពេញ",
    "my": "နေပြည်တော်",
    "lo": "ວຽງຈັນ",
    "vi": "Thành phố Hồ Chí Minh",
}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def import_file(resource_class, data, fmt="csv", **kwargs):
    return resource_class().import_data(read_back(data, fmt), **kwargs)


def page_text(response):
    return html.unescape(response.content.decode())


# Round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("resource_class", RESOURCES, ids=lambda r: r.__name__)
def test_export_then_reimport_reports_every_row_unchanged(founding, resource_class, fmt):
    model = resource_class._meta.model
    before = registry_state()
    data = export_bytes(model.objects.all(), fmt, resource_class)
    result = import_file(resource_class, data, fmt)
    assert not result.refused, result.report()
    assert result.totals["skip"] == model.objects.count() > 0
    assert result.totals["new"] == result.totals["update"] == 0
    assert registry_state() == before


def test_export_registry_flush_import_registry_recreates_the_same_registry(founding, tmp_path):
    path = tmp_path / "registry.xlsx"
    call_command("export_registry", str(path), stderr=io.StringIO())
    before = {name: data.dict for name, data in read_workbook(path.read_bytes()).items()}
    counts = registry_state(history=False)
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


@pytest.mark.parametrize("fmt", ["CSV", "XLSX", "JSON", "registry.spreadsheets.ODS"])
@pytest.mark.parametrize("resource_class", RESOURCES, ids=lambda r: r.__name__)
def test_the_import_export_commands_round_trip_every_resource(
    founding, tmp_path, capsys, resource_class, fmt
):
    dotted = f"registry.resources.{resource_class.__name__}"
    extension = fmt.rsplit(".", 1)[-1].lower()
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    call_command("export", fmt, dotted, stdout=out)
    out.flush()
    path = tmp_path / f"export.{extension}"
    path.write_bytes(out.buffer.getvalue())
    before = registry_state()
    call_command("import", dotted, str(path), "--no-input")
    count = resource_class._meta.model.objects.count()
    assert f"0 new, 0 updated, 0 deleted and {count} skipped" in capsys.readouterr().err
    assert registry_state() == before


def test_the_import_command_dry_run_writes_nothing(founding, tmp_path, capsys):
    path = tmp_path / "cities.csv"
    path.write_bytes(csv_bytes([["name", "member_state"], ["Khon Kaen", "TH"]]))
    before = registry_state()
    call_command("import", "registry.resources.CityResource", str(path), "--no-input", "--dry-run")
    assert "1 new" in capsys.readouterr().err
    assert registry_state() == before
    call_command("import", "registry.resources.CityResource", str(path), "--no-input")
    assert City.objects.filter(name="Khon Kaen", member_state__code="TH").exists()


# Formats, text and numbers ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_asean_scripts_survive_every_format_byte_for_byte(founding, fmt):
    officers = list(Officer.objects.order_by("name")[: len(ASEAN_TEXT)])
    for officer, text in zip(officers, ASEAN_TEXT.values(), strict=True):
        officer.designation = text
        officer.save()
    data = export_bytes(Officer.objects.all(), fmt)
    Officer.objects.update(designation="overwritten")
    result = import_file(OfficerResource, data, fmt)
    assert not result.refused, result.report()
    for officer, text in zip(officers, ASEAN_TEXT.values(), strict=True):
        officer.refresh_from_db()
        assert officer.designation.encode() == text.encode()


def test_csv_with_and_without_byte_order_mark_reads_the_same(founding):
    rows = [
        ["name", "member_state", "latitude", "longitude"],
        ["Khon Kaen", "TH", "16.4", "102.8"],
    ]
    for bom in (True, False):
        result = import_file(CityResource, csv_bytes(rows, bom=bom), dry_run=True)
        assert not result.refused, result.report()
        assert result.totals["new"] == 1


def test_exported_csv_starts_with_a_byte_order_mark_for_excel(founding):
    assert export_bytes(City.objects.all(), "csv").startswith("\ufeff".encode())


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_formula_characters_are_escaped_on_export_and_restored_on_import(founding, fmt):
    dangerous = ["=HYPERLINK(1)", "+66 2 123", "-5 years", "@SUM(A1)", "\tTab", "'quoted"]
    officers = list(Officer.objects.order_by("name")[: len(dangerous)])
    for officer, text in zip(officers, dangerous, strict=True):
        Officer.objects.filter(pk=officer.pk).update(designation=text)
    jakarta = City.objects.get(name="DKI Jakarta")
    assert jakarta.longitude > 0 > jakarta.latitude
    data = export_bytes(Officer.objects.all(), fmt)
    cells = [cell for row in raw_cells(data, fmt) for cell in row]
    assert "'=HYPERLINK(1)" in cells and "''quoted" in cells and "'\tTab" in cells
    assert not any(isinstance(c, str) and c.startswith(FORMULA_TRIGGERS) for c in cells)
    # Numbers stay numbers: Jakarta's negative latitude is not escaped.
    city_cells = [
        cell for row in raw_cells(export_bytes(City.objects.all(), fmt), fmt) for cell in row
    ]
    latitude = jakarta.latitude.normalize()
    expected = str(latitude) if fmt == "csv" else float(latitude)
    assert expected in city_cells
    Officer.objects.update(designation="")
    assert not import_file(OfficerResource, data, fmt).refused
    for officer, text in zip(officers, dangerous, strict=True):
        officer.refresh_from_db()
        assert officer.designation == text


def raw_cells(data, fmt):
    """The cells exactly as a spreadsheet program would see them."""
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def test_xlsx_holds_native_numbers_and_dates(founding):
    from openpyxl import load_workbook

    Officer.objects.filter(name="Seng Vannak").update(start_date=datetime.date(2016, 5, 1))
    sheet = load_workbook(io.BytesIO(export_bytes(Officer.objects.all(), "xlsx"))).active
    start = [row[5].value for row in sheet.iter_rows(min_row=2) if row[0].value == "Seng Vannak"]
    assert start == [datetime.datetime(2016, 5, 1)]
    cities = load_workbook(io.BytesIO(export_bytes(City.objects.all(), "xlsx"))).active
    assert isinstance(cities["C2"].value, float)


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


def test_whitespace_is_stripped_and_names_are_nfc_so_a_city_typed_two_ways_is_one(founding):
    hanoi = City.objects.get(name="Hanoi")
    City.objects.filter(pk=hanoi.pk).update(name="Hà Nội")
    decomposed = unicodedata.normalize("NFD", "Hà Nội")
    assert decomposed != "Hà Nội"
    rows = [
        ["name", "member_state", "latitude", "longitude"],
        [f"  {decomposed} ", " vn ", 21.03, 105.85],
    ]
    result = import_file(CityResource, csv_bytes(rows))
    assert not result.refused, result.report()
    assert result.totals["new"] == 0
    assert City.objects.filter(member_state__code="VN").count() == 3
    assert City.objects.get(pk=hanoi.pk).latitude == Decimal("21.03")


ALLOWED = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(
        chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, 0x0D, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]
    ),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(ALLOWED, min_size=1, max_size=60))
@pytest.mark.django_db
def test_any_text_survives_csv_and_xlsx_and_no_cell_starts_with_a_formula(text):
    """Text as the registry stores it (stripped, NFC) comes back unchanged from either format."""
    value = unicodedata.normalize("NFC", text.strip())
    source, _created = Source.objects.update_or_create(
        title="Property test", defaults={"slug": "property-test", "note": value, "publisher": "p"}
    )
    for fmt in ("csv", "xlsx"):
        Source.objects.filter(pk=source.pk).update(note=value)
        data = export_bytes(Source.objects.filter(pk=source.pk), fmt)
        for cell in (c for row in raw_cells(data, fmt) for c in row):
            assert not (isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS))
        Source.objects.filter(pk=source.pk).update(note="changed")
        result = SourceResource().import_data(read_back(data, fmt))
        assert not result.refused, result.report()
        assert Source.objects.get(pk=source.pk).note == value


# Matching rows to records -----------------------------------------------------------------


def test_member_state_codes_match_in_any_case_with_spaces(founding):
    rows = [["name", "member_state"], ["Khon Kaen", " th "], ["Udon Thani", "Th"]]
    result = import_file(CityResource, csv_bytes(rows))
    assert not result.refused, result.report()
    assert set(City.objects.filter(member_state__code="TH").values_list("name", flat=True)) >= {
        "Khon Kaen",
        "Udon Thani",
    }


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


def test_slugs_are_made_for_new_records_even_from_non_latin_names(founding):
    rows = [["name", "member_state"], ["ขอนแก่น", "TH"], ["Khon Kaen", "TH"]]
    result = import_file(CityResource, csv_bytes(rows))
    assert not result.refused, result.report()
    assert City.objects.get(name="Khon Kaen").slug == "khon-kaen"
    assert City.objects.get(name="ขอนแก่น").slug.startswith("city-")


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


# Speed: the work of each row -----------------------------------------------------------------


def errors_of(check):
    try:
        check()
    except ValidationError as error:
        return error.message_dict
    return {}


def bad_officers():
    """Three records full_clean() refuses, for different reasons, and one it accepts."""
    return [
        Officer(name="x" * 201, role="mayor", city_id=1),
        Officer(name="", designation="y" * 501, role=Officer.Role.CSCO, member_state_id=1),
        Officer(name="Ok", start_date="2020-13-01", version=-1, city_id=1),
        Officer(name="Ok", role=Officer.Role.NATIONAL_REPRESENTATIVE, member_state_id=1),
    ]


def test_the_import_checks_each_record_as_full_clean_does(founding):
    resource = OfficerResource()
    resource.reset_import_state()
    relations = {f.name for f in Officer._meta.get_fields() if f.is_relation}
    # The second time round every value is remembered: the same answers.
    for _round in range(2):
        expected = [
            errors_of(
                lambda o=o: o.full_clean(
                    exclude=relations, validate_unique=False, validate_constraints=False
                )
            )
            for o in bad_officers()
        ]
        assert [bool(errors) for errors in expected] == [True, True, True, False]
        assert [errors_of(lambda o=o: resource.full_clean(o)) for o in bad_officers()] == expected


def test_an_unhashable_value_is_checked_without_being_remembered(founding):
    resource = OfficerResource()
    resource.reset_import_state()
    officer = Officer(name=["a", "list"], role=Officer.Role.CSCO)
    resource.clean_fields(officer)
    assert officer.name == "['a', 'list']"
    assert not any(key[0] == "name" for key in resource.cleaned_values)


def test_each_distinct_value_of_a_column_is_checked_once_per_file(founding, monkeypatch):
    role = Officer._meta.get_field("role")
    checked = []
    clean = role.clean
    monkeypatch.setattr(
        role, "clean", lambda value, instance: checked.append(value) or clean(value, instance)
    )
    result = import_file(OfficerResource, officer_rows(40), dry_run=True)
    assert not result.refused, result.report()
    assert checked == ["csco"]


def test_rows_that_share_a_bad_value_each_report_it(founding):
    long_name = "x" * 201
    rows = [
        ["name", "city", "member_state"],
        [long_name, "Bangkok", "TH"],
        [long_name, "Phuket", "TH"],
    ]
    before = registry_state()
    report = import_file(OfficerResource, csv_bytes(rows)).report()
    for line in (2, 3):
        assert (
            f"line {line}, column name: The text is 201 characters long; at most 200 are allowed"
            in report
        )
    assert registry_state() == before


@pytest.mark.parametrize(
    "cell", ["  plain  ", "'=SUM(A1)", "''quoted", "tab\there", " Hà Nội ", "a\r\nb", "Cafe\u0301"]
)
def test_every_text_cell_is_normalised_alike_whatever_its_characters(cell):
    dataset = tablib.Dataset(["Someone", cell, "Bangkok"], headers=["name", "designation", "city"])
    OfficerResource().prepare(dataset)
    assert dataset.dict[0]["designation"] == normalise_text(cell)


def test_each_post_a_file_names_is_looked_up_once(founding, monkeypatch):
    asked = []
    find_post = OfficerResource.find_post

    def counting(self, city, state):
        asked.append((city, state))
        return find_post(self, city, state)

    monkeypatch.setattr(OfficerResource, "find_post", counting)
    rows = officer_rows(60)
    assert not import_file(OfficerResource, rows, dry_run=True).refused
    pairs = {(r["city"], r["member_state"]) for r in csv.DictReader(io.StringIO(rows.decode()))}
    assert sorted(asked) == sorted(pairs)


def test_a_new_record_is_a_fresh_copy_of_what_the_model_gives(founding):
    resource = OfficerResource()
    resource.reset_import_state()
    made = [resource.init_instance() for _ in range(3)]
    fields = [f.attname for f in Officer._meta.concrete_fields]
    expected = [getattr(Officer(), name) for name in fields]
    for instance in made:
        assert [getattr(instance, name) for name in fields] == expected
        assert instance._state.adding and instance._state.db is None
    made[1].name = "Changed"
    made[1].city = City.objects.first()
    assert made[2].name == "" and made[2].city_id is None
    assert resource.init_instance().name == ""
    assert len({id(instance._state) for instance in made}) == 3


def test_a_model_with_init_listeners_gets_model_itself(founding):
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listener, sender=Officer)
    try:
        resource = OfficerResource()
        resource.reset_import_state()
        made = [resource.init_instance() for _ in range(3)]
    finally:
        post_init.disconnect(listener, sender=Officer)
    assert seen == made


def test_an_import_runs_with_the_cyclic_collector_paused_and_restores_it(founding, monkeypatch):
    states = []
    validate = OfficerResource.validate_instance

    def recording(self, *args, **kwargs):
        states.append(gc.isenabled())
        return validate(self, *args, **kwargs)

    monkeypatch.setattr(OfficerResource, "validate_instance", recording)
    assert not import_file(OfficerResource, officer_rows(3)).refused
    assert states == [False, False, False]
    assert gc.isenabled()


def test_the_collector_is_restored_after_an_error_and_left_off_if_it_was():
    with pytest.raises(RuntimeError), gc_pause.paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_pause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


# Speed: queries per file, not per row -----------------------------------------------------


def count_queries(func):
    with CaptureQueriesContext(connection) as queries:
        func()
    return [q["sql"] for q in queries]


def test_import_reads_each_related_table_once_whatever_the_file_size(founding):
    small = count_queries(lambda: import_file(OfficerResource, officer_rows(20), dry_run=True))
    large = count_queries(lambda: import_file(OfficerResource, officer_rows(400), dry_run=True))
    selects = [
        [q for q in run if q.lstrip().upper().startswith("SELECT")] for run in (small, large)
    ]
    assert len(selects[0]) == len(selects[1])


def split_history(queries):
    """(queries on the registry's tables, queries on its change history)."""
    history = [q for q in queries if "registry_historical" in q]
    return [q for q in queries if q not in history], history


def test_import_makes_at_most_one_query_per_twenty_rows(founding):
    queries = count_queries(lambda: import_file(OfficerResource, officer_rows(1000)))
    assert Officer.objects.count() == 1028
    registry, history = split_history(queries)
    assert len(registry) <= 1000 * 0.05
    # The history is written in batches too, as many queries again at most (SQLite takes
    # fewer rows per INSERT than PostgreSQL).
    assert 1 <= len(history) <= 1000 * 0.05
    updates = count_queries(
        lambda: import_file(
            OfficerResource, officer_rows(1000).replace(b"Designation", b"Changed")
        )
    )
    assert Officer.objects.filter(designation="Changed").count() == 1000
    registry, history = split_history(updates)
    assert len(registry) <= 1000 * 0.05
    assert 1 <= len(history) <= 1000 * 0.05


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_queries_do_not_grow_with_the_table(founding, fmt):
    small = len(count_queries(lambda: export_bytes(Officer.objects.all(), fmt)))
    import_file(OfficerResource, officer_rows(300))
    large = len(count_queries(lambda: export_bytes(Officer.objects.all(), fmt)))
    assert small == large


# Exporting a queryset (for the public site) -----------------------------------------------


def test_export_response_streams_csv_of_a_filtered_queryset(founding):
    response = export_response(City.objects.filter(member_state__code="VN"), "csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="city.csv"'
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(r["name"] for r in rows) == ["Da Nang", "Hanoi", "Ho Chi Minh City"]


def test_export_response_streams_json_and_builds_workbooks(founding):
    response = export_response(Officer.objects.filter(city__name="Davao City"), "json")
    records = json.loads(b"".join(response.streaming_content))
    assert {r["city"] for r in records} == {"Davao City"}
    assert len(records) == 2
    for fmt in ("xlsx", "ods"):
        response = export_response(Agreement.objects.all(), fmt, filename=f"a.{fmt}")
        # XLSX is sent from a temporary file (a FileResponse), ODS from memory.
        data = b"".join(response.streaming_content) if response.streaming else response.content
        assert (
            read_back(data, fmt).dict
            == read_back(export_bytes(Agreement.objects.all(), fmt), fmt).dict
        )


def test_export_bytes_can_limit_the_columns(founding):
    data = export_bytes(MemberState.objects.all(), "json", columns=["code", "name"])
    assert json.loads(data)[0] == {"code": "BN", "name": "Brunei Darussalam"}


# The admin --------------------------------------------------------------------------------


def test_admin_import_previews_new_updated_and_unchanged_rows_then_confirms(
    founding, editor_client
):
    rows = [
        ["name", "member_state", "latitude", "longitude"],
        ["Khon Kaen", "TH", "16.4419", "102.836"],
        ["Bangkok", "TH", "13.7", "100.5"],
        *[
            [c.name, c.member_state.code, c.latitude, c.longitude]
            for c in City.objects.exclude(name="Bangkok").with_state()[:3]
        ],
    ]
    before = registry_state()
    preview = admin_preview(editor_client, "city", "cities.csv", csv_bytes(rows), "csv")
    page = page_text(preview)
    assert "1 new, 1 updated, 3 unchanged" in page
    assert "latitude: 13.7563 → 13.7" in re.sub(r"<[^>]+>", "", page)
    assert registry_state() == before
    # The file waits in the shared cache, not in a local temporary folder.
    name = preview.context["confirm_form"].initial["import_file_name"]
    assert caches["imports"].get(SharedCacheStorage.CACHE_PREFIX + name) is not None
    response = admin_confirm(editor_client, "city", preview)
    assert response.status_code == 302
    assert City.objects.get(name="Bangkok").latitude == Decimal("13.7")
    assert City.objects.filter(name="Khon Kaen").exists()
    assert LogEntry.objects.count() == before["LogEntry"] + 2
    assert caches["imports"].get(SharedCacheStorage.CACHE_PREFIX + name) is None


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "json"])
def test_admin_imports_every_format(founding, editor_client, fmt):
    data = export_bytes(MemberState.objects.all(), fmt)
    preview = admin_preview(editor_client, "memberstate", f"states.{fmt}", data, fmt)
    assert "0 new, 0 updated, 10 unchanged" in page_text(preview)
    assert admin_confirm(editor_client, "memberstate", preview).status_code == 302


def test_admin_confirm_of_a_file_that_turned_bad_writes_nothing(founding, editor_client):
    good = csv_bytes([["name", "member_state"], ["Khon Kaen", "TH"]])
    preview = admin_preview(editor_client, "city", "cities.csv", good, "csv")
    name = preview.context["confirm_form"].initial["import_file_name"]
    bad = csv_bytes([["name", "member_state"], ["Khon Kaen", "TH"], ["Atlantis", "XX"]])
    SharedCacheStorage(name=name).save(bad)
    before = registry_state()
    response = admin_confirm(editor_client, "city", preview)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:registry_city_import")
    assert registry_state() == before
    message = str(list(response.wsgi_request._messages)[0])
    assert "Unknown member state 'XX'" in message


def test_admin_confirm_after_the_file_expired_says_so(founding, editor_client):
    good = csv_bytes([["name", "member_state"], ["Khon Kaen", "TH"]])
    preview = admin_preview(editor_client, "city", "cities.csv", good, "csv")
    caches["imports"].clear()
    response = admin_confirm(editor_client, "city", preview)
    assert response.status_code == 302
    assert "expired" in str(list(response.wsgi_request._messages)[0])
    assert not City.objects.filter(name="Khon Kaen").exists()


def test_admin_preview_says_which_csco_a_new_one_replaces(founding, editor_client):
    rows = [["name", "city", "start_date"], ["Sok Dara", "Phnom Penh", "2024-01-15"]]
    preview = admin_preview(editor_client, "officer", "officers.csv", csv_bytes(rows), "csv")
    assert "replaces Seng Vannak as CSCO of Phnom Penh from 2024-01-15" in page_text(preview)
    admin_confirm(editor_client, "officer", preview)
    assert Officer.objects.get(name="Seng Vannak").end_date == datetime.date(2024, 1, 14)


@pytest.mark.parametrize("fmt", FORMATS)
def test_admin_exports_the_filtered_changelist_in_every_format(founding, editor_client, fmt):
    thailand = MemberState.objects.get(code="TH")
    url = reverse("admin:registry_city_export") + f"?member_state__id__exact={thailand.pk}"
    index = {"csv": "0", "xlsx": "1", "ods": "2", "json": "3"}[fmt]
    columns = {f"cityresource_{column}": "on" for column in CityResource.columns()}
    response = editor_client.post(url, {"format": index, "resource": "0", **columns})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    names = sorted(row["name"] for row in read_back(response.content, fmt).dict)
    assert names == ["Bangkok", "Chonburi", "Phuket"]


@pytest.mark.parametrize("model", [r._meta.model for r in RESOURCES], ids=lambda m: m.__name__)
def test_every_changelist_offers_import_to_editors_and_only_export_to_viewers(
    founding, editor, viewer, model
):
    name = model._meta.model_name
    changelist = reverse(f"admin:registry_{name}_changelist")
    import_url = reverse(f"admin:registry_{name}_import")
    export_url = reverse(f"admin:registry_{name}_export")
    editor_client, viewer_client = Client(), Client()
    editor_client.force_login(editor)
    viewer_client.force_login(viewer)
    page = editor_client.get(changelist).content.decode()
    assert import_url in page and export_url in page
    page = viewer_client.get(changelist).content.decode()
    assert import_url not in page and export_url in page
    assert viewer_client.get(import_url).status_code == 403
    assert viewer_client.post(import_url, {}).status_code == 403
    assert viewer_client.get(export_url).status_code == 200


def test_staff_without_the_export_permission_cannot_export(founding, client):
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_city"))
    client.force_login(user)
    assert client.get(reverse("admin:registry_city_export")).status_code == 403
    assert client.post(reverse("admin:registry_city_export"), {"format": "0"}).status_code == 403


def test_admin_offers_the_whole_registry_workbook_down_and_up(founding, editor, viewer):
    editor_client, viewer_client = Client(), Client()
    editor_client.force_login(editor)
    viewer_client.force_login(viewer)
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:registry_workbook_import") in index
    assert (
        reverse("admin:registry_workbook_import")
        not in viewer_client.get(reverse("admin:index")).content.decode()
    )
    download = viewer_client.get(reverse("admin:registry_workbook_export"))
    assert download.status_code == 200
    sheets = read_workbook(download.content)
    assert list(sheets) == [r.sheet_name for r in RESOURCES]
    assert viewer_client.get(reverse("admin:registry_workbook_import")).status_code == 403

    Officer.objects.filter(name="Seng Vannak").update(designation="Old title")
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("admin:registry_workbook_import")
    preview = editor_client.post(
        url, {"import_file": SimpleUploadedFile("registry.xlsx", download.content)}
    )
    page = page_text(preview)
    assert "0 new, 1 updated, 27 unchanged" in page
    assert Officer.objects.get(name="Seng Vannak").designation == "Old title"
    form = preview.context["confirm_form"]
    response = editor_client.post(url, {**form.initial, "confirm": "1"})
    assert response.status_code == 302
    assert Officer.objects.get(name="Seng Vannak").designation == "Chief of Administration"
    assert LogEntry.objects.filter(object_repr__startswith="Seng Vannak").count() == 1


def test_admin_workbook_upload_with_a_bad_sheet_lists_the_problems(founding, editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = xlsx_bytes([["name", "member_state"], ["Atlantis", "XX"]], title="cities")
    before = registry_state()
    response = editor_client.post(
        reverse("admin:registry_workbook_import"),
        {"import_file": SimpleUploadedFile("registry.xlsx", data)},
    )
    page = page_text(response)
    assert "The workbook was refused: nothing was imported" in page
    assert "Unknown member state 'XX'" in page
    assert "confirm_form" not in response.context
    assert registry_state() == before
