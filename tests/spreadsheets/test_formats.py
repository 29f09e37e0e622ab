"""Every format round trips: re-imports unchanged, ASEAN scripts byte for byte, formulas escaped."""

import csv
import datetime
import io
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.models import City, Officer, Source
from registry.spreadsheets.downloads import export_bytes
from registry.spreadsheets.escaping import FORMULA_TRIGGERS
from registry.spreadsheets.files import read_workbook
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.resources import RESOURCES, CityResource, SourceResource

from ..spreadsheet_files import FORMATS, csv_bytes, import_file, read_back, registry_state

ASEAN_TEXT = {
    "th": "กรุงเทพมหานคร",
    "km": "ភ្នំពេញ",
    "my": "နေပြည်တော်",
    "lo": "ວຽງຈັນ",
    "vi": "Thành phố Hồ Chí Minh",
}


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
def test_formula_text_is_escaped_in_csv_typed_as_stored_in_workbooks_and_imported_back(
    founding, fmt
):
    dangerous = ["=HYPERLINK(1)", "+66 2 123", "-5 years", "@SUM(A1)", "\tTab", "'quoted"]
    officers = list(Officer.objects.order_by("name")[: len(dangerous)])
    for officer, text in zip(officers, dangerous, strict=True):
        Officer.objects.filter(pk=officer.pk).update(designation=text)
    jakarta = City.objects.get(name="DKI Jakarta")
    assert jakarta.longitude > 0 > jakarta.latitude
    data = export_bytes(Officer.objects.all(), fmt)
    cells = [cell for row in raw_cells(data, fmt) for cell in row]
    if fmt == "csv":
        assert "'=HYPERLINK(1)" in cells and "''quoted" in cells and "'\tTab" in cells
        assert not any(isinstance(c, str) and c.startswith(FORMULA_TRIGGERS) for c in cells)
    else:
        # Typed text cells hold the value exactly: no visible apostrophe.
        assert set(dangerous) <= set(cells)
    # Numbers stay numbers: Jakarta's negative latitude is not escaped.
    city_cells = [
        cell for row in raw_cells(export_bytes(City.objects.all(), fmt), fmt) for cell in row
    ]
    latitude = jakarta.latitude.normalize()
    expected = str(latitude) if fmt == "csv" else float(latitude)
    assert expected in city_cells
    Officer.objects.update(designation="")
    result = import_file(OfficerResource, data, fmt)
    if fmt == "csv":
        # The escape's apostrophe shields the leading tab, which a designation (one line) may
        # not hold: the file is refused, naming the tab, and nothing is written.
        assert result.refused
        assert "U+0009" in result.report()
        assert not Officer.objects.exclude(designation="").exists()
        # Without the tab, the same file round-trips.
        dangerous[dangerous.index("\tTab")] = "Tab"
        for officer, text in zip(officers, dangerous, strict=True):
            Officer.objects.filter(pk=officer.pk).update(designation=text)
        data = export_bytes(Officer.objects.all(), fmt)
        Officer.objects.update(designation="")
        result = import_file(OfficerResource, data, fmt)
    assert not result.refused, result.report()
    for officer, text in zip(officers, dangerous, strict=True):
        officer.refresh_from_db()
        # Every import strips surrounding whitespace; in CSV the escape's apostrophe shields it.
        assert officer.designation == (text if fmt == "csv" else text.strip())


def raw_cells(data, fmt):
    """The cells exactly as a spreadsheet program would see them."""
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    if fmt == "ods":
        # python-calamine drops ODS tabs and line breaks; the reader restores them.
        (dataset,) = read_workbook(data, "ODS").values()
        return [dataset.headers, *dataset]
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
        chr(c)
        for c in [*range(0x00, 0x09), 0x0B, 0x0C, 0x0D, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]
        # What a multi-line field refuses (registry/text_validators.py): DEL, the C1 controls,
        # the line and paragraph separators.
        + [*range(0x7F, 0xA0), 0x2028, 0x2029]
    ),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(ALLOWED, min_size=1, max_size=60))
@pytest.mark.django_db
def test_any_text_survives_csv_and_xlsx_and_no_csv_cell_starts_with_a_formula(text):
    """Text as the registry stores it (stripped, NFC) comes back unchanged from either format."""
    value = unicodedata.normalize("NFC", text.strip())
    source, _created = Source.objects.update_or_create(
        title="Property test", defaults={"slug": "property-test", "note": value, "publisher": "p"}
    )
    for fmt in ("csv", "xlsx"):
        Source.objects.filter(pk=source.pk).update(note=value)
        data = export_bytes(Source.objects.filter(pk=source.pk), fmt)
        cells = [c for row in raw_cells(data, fmt) for c in row]
        if fmt == "csv":
            assert not any(isinstance(c, str) and c.startswith(FORMULA_TRIGGERS) for c in cells)
        else:
            assert value in cells  # a typed text cell, exactly as stored
        Source.objects.filter(pk=source.pk).update(note="changed")
        result = SourceResource().import_data(read_back(data, fmt))
        assert not result.refused, result.report()
        assert Source.objects.get(pk=source.pk).note == value
