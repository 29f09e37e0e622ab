"""
What LibreOffice sees in the registry's ODS and XLSX exports, and what it writes back.

Debian's libreoffice-calc-nogui (`soffice`) converts the exports headless; without it these
tests skip, saying so. Each test gets its own LibreOffice profile, so parallel runs never share
one (a shared profile makes a second soffice hand its work to the first and exit).
"""

import csv
import datetime
import decimal
import io
import shutil
import subprocess

import pytest

from registry.models import City, Officer, Source
from registry.spreadsheets.downloads import export_bytes
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.resources import CityResource, SourceResource

from ..spreadsheet_files import import_file, registry_state

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui",
)

# Text the registry stores that a spreadsheet program could change: formula-looking text, an
# apostrophe, a tab, a line break, runs and a leading run of spaces, non-Latin scripts.
AWKWARD_TEXT = [
    '=HYPERLINK("http://x")',
    "+84 24 3825 3536",
    "-5 years",
    "@SUM(A1)",
    "'quoted",
    "tab\there",
    "two\nlines",
    "wide   gap",
    "ສະພາ ນະຄອນຫຼວງວຽງຈັນ",
    "ក្រុងភ្នំពេញ",
    "Thành phố Hồ Chí Minh",
]


def convert(tmp_path, data, source_extension, target):
    """`data` converted by soffice to `target` ("csv", "xlsx", "ods"); the converted bytes."""
    source = tmp_path / f"export.{source_extension}"
    source.write_bytes(data)
    out = tmp_path / f"converted-{target}"
    completed = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    converted = out / f"export.{target.split(':')[0]}"
    assert converted.exists(), completed.stderr.decode(errors="replace")
    return converted.read_bytes()


@pytest.fixture
def awkward(founding):
    """Officers and sources whose text is AWKWARD_TEXT, with dates and amounts."""
    officers = list(Officer.objects.order_by("pk")[: len(AWKWARD_TEXT)])
    for officer, text in zip(officers, AWKWARD_TEXT, strict=True):
        Officer.objects.filter(pk=officer.pk).update(
            designation=text, start_date=datetime.date(2018, 4, 1)
        )
    Source.objects.filter(pk=Source.objects.order_by("pk")[0].pk).update(note="a\tb\nc  d")
    return officers


# Comma-separated, double quotes, UTF-8 (76), from line 1; the cells as LibreOffice shows them.
AS_SHOWN_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1"


def csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("fmt", ["ods", "xlsx"])
def test_libreoffice_shows_every_exported_value_exactly_with_iso_dates(awkward, tmp_path, fmt):
    officers = Officer.objects.order_by("pk")
    rows = csv_rows(convert(tmp_path, export_bytes(officers, fmt), fmt, AS_SHOWN_CSV))
    name, designation, start = (
        rows[0].index(column) for column in ("name", "designation", "start_date")
    )
    seen = [(row[name], row[designation], row[start]) for row in rows[1:]]
    stored = [
        (officer, text, day.isoformat() if day else "")
        for officer, text, day in officers.values_list("name", "designation", "start_date")
    ]
    # Every value as stored, no apostrophe added, dates in ISO order (never "04/01/18").
    assert seen == stored
    assert set(AWKWARD_TEXT) <= {text for _name, text, _day in seen}
    assert "2018-04-01" in {day for _name, _text, day in seen}


def test_libreoffice_sees_city_coordinates_as_the_stored_numbers(founding, tmp_path):
    cities = City.objects.order_by("pk")
    stored = list(cities.values_list("latitude", flat=True))
    for fmt in ("ods", "xlsx"):
        rows = csv_rows(convert(tmp_path, export_bytes(cities, fmt), fmt, AS_SHOWN_CSV))
        latitude = rows[0].index("latitude")
        seen = [decimal.Decimal(row[latitude]) if row[latitude] else None for row in rows[1:]]
        assert seen == stored


@pytest.mark.parametrize(
    ("resource_class", "exported", "saved"),
    [
        (OfficerResource, "ods", "ods"),
        (OfficerResource, "xlsx", "xlsx"),
        (SourceResource, "ods", "xlsx"),
        (CityResource, "xlsx", "ods"),
    ],
    ids=["officers-ods", "officers-xlsx", "sources-ods-to-xlsx", "cities-xlsx-to-ods"],
)
def test_a_file_saved_by_libreoffice_imports_with_no_change(
    awkward, tmp_path, resource_class, exported, saved
):
    model = resource_class._meta.model
    before = registry_state()
    resaved = convert(
        tmp_path, export_bytes(model.objects.all(), exported, resource_class), exported, saved
    )
    result = import_file(resource_class, resaved, saved)
    assert not result.refused, result.report()
    assert result.totals["new"] == result.totals["update"] == 0
    assert result.totals["skip"] == model.objects.count()
    assert registry_state() == before


@pytest.fixture
def dated(founding):
    """The founding registry with officers' tenures and checks dated, and cities checked."""
    officers = Officer.objects.order_by("pk")
    for index, officer in enumerate(officers[:6]):
        Officer.objects.filter(pk=officer.pk).update(
            start_date=datetime.date(2018, 4, 1 + index), last_verified=datetime.date(2024, 12, 31)
        )
    City.objects.filter(pk__in=City.objects.order_by("pk")[:4].values("pk")).update(
        last_verified=datetime.date(2025, 1, 9)
    )


DATES = {
    CityResource: ["pilot_since", "last_verified"],
    OfficerResource: ["start_date", "last_verified"],
}


@pytest.mark.parametrize("exported", ["ods", "xlsx"])
@pytest.mark.parametrize(
    "resource_class", [CityResource, OfficerResource], ids=["cities", "officers"]
)
def test_a_csv_saved_by_libreoffice_from_an_export_imports_with_no_change(
    awkward, dated, tmp_path, resource_class, exported
):
    """The issue's symptom: an export opened in LibreOffice and saved as CSV was refused.
    Saved as CSV with commas and UTF-8, the cells as shown (so dates as the export's ISO
    dates), it imports as CSV with no change, AWKWARD_TEXT included: LibreOffice writes
    formula-looking text and "'quoted" as they are, and the import removes an apostrophe only
    where the registry's own escape puts one."""
    model = resource_class._meta.model
    before = registry_state()
    data = convert(
        tmp_path,
        export_bytes(model.objects.all(), exported, resource_class),
        exported,
        AS_SHOWN_CSV,
    )
    rows = csv_rows(data)
    for column in DATES[resource_class]:
        values = {row[rows[0].index(column)] for row in rows[1:]} - {""}
        assert values, column
        assert all(datetime.date.fromisoformat(value).isoformat() == value for value in values)
    result = import_file(resource_class, data, "csv")
    assert not result.refused, result.report()
    assert result.totals["new"] == result.totals["update"] == 0
    assert result.totals["skip"] == model.objects.count() == len(rows) - 1
    assert registry_state() == before
