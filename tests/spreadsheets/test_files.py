"""
Bad files, made by the tests: each is refused with a clear message, and the registry (every
table's row count and the admin's change history) is exactly as it was — through the
resources, the admin and the `import` command alike.
"""

import html
import io
import re
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from registry.spreadsheets.errors import SpreadsheetError
from registry.spreadsheets.formats import FORMATS_BY_NAME
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.resources import AgreementResource, CityResource, MemberStateResource

from ..spreadsheet_files import admin_preview, csv_bytes, registry_state, rewrite_zip, xlsx_bytes

CITY_HEADERS = ["name", "member_state", "latitude", "longitude"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


OFFICER_HEADERS = ["name", "designation", "city", "role", "start_date", "end_date"]


def cities(*rows):
    return csv_bytes([CITY_HEADERS, *rows])


def officers(*rows):
    return csv_bytes([OFFICER_HEADERS, *rows])


def good_cities(n):
    return [[f"Town {i}", "TH", "14.5", "100.5"] for i in range(n)]


def xlsx_with(setup, rows=None):
    return xlsx_bytes(rows or [CITY_HEADERS, ["Khon Kaen", "TH", 16.44, 102.83]], setup)


def formula(workbook, sheet):
    sheet["C2"] = "=10+6.44"


def merged(workbook, sheet):
    sheet.append(["Udon Thani", "TH", 17.4, 102.8])
    sheet.merge_cells("B2:B3")


def hidden_sheet(workbook, sheet):
    extra = workbook.create_sheet("notes")
    extra.append(["name", "member_state"])
    extra.append(["Hidden City", "TH"])
    extra.sheet_state = "hidden"


def zip_bomb():
    # A real workbook plus one member of 5 MB of zeros: compressed about 1000:1.
    out = io.BytesIO(xlsx_with(None))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.xml", b"0" * (5 * 1024 * 1024))
    return out.getvalue()


def billion_laughs():
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 9)
    ]
    doctype = f"<!DOCTYPE lolz [{''.join(levels)}]>".encode()

    def change(name, content):
        if name != "xl/worksheets/sheet1.xml":
            return content
        if content.startswith(b"<?xml"):
            declaration, rest = content.split(b"?>", 1)
            return declaration + b"?>" + doctype + rest
        return doctype + content

    return rewrite_zip(xlsx_with(None), change)


# (id, resource, format, file, words the message must contain)
BAD_FILES = [
    (
        "unknown-member-state",
        CityResource,
        "csv",
        cities(["Atlantis", "XX", "1", "1"]),
        "line 2, column member_state: Unknown member state 'XX'",
    ),
    (
        "city-not-in-state",
        OfficerResource,
        "csv",
        csv_bytes([["name", "city", "member_state"], ["Somchai", "Atlantis", "TH"]]),
        "line 2, column city: City 'Atlantis' not found in TH",
    ),
    (
        "latitude-out-of-range",
        CityResource,
        "csv",
        cities(["Khon Kaen", "TH", "200", "102.8"]),
        "column latitude: Latitude 200 is out of range",
    ),
    (
        "day-first-date",
        OfficerResource,
        "csv",
        officers(["Somchai", "", "Bangkok", "", "08/07/2018", ""]),
        "column start_date: '08/07/2018' is not a YYYY-MM-DD date",
    ),
    (
        "impossible-day-first-date",
        OfficerResource,
        "csv",
        officers(["Somchai", "", "Bangkok", "", "31/02/2018", ""]),
        "'31/02/2018' is not a YYYY-MM-DD date",
    ),
    (
        "month-name-date",
        OfficerResource,
        "csv",
        officers(["Somchai", "", "Bangkok", "", "July 2018", ""]),
        "'July 2018' is not a YYYY-MM-DD date: write dates as YYYY-MM-DD",
    ),
    (
        "iso-date-that-does-not-exist",
        OfficerResource,
        "csv",
        officers(["Somchai", "", "Bangkok", "", "2018-02-31", ""]),
        "'2018-02-31' is not a date that exists",
    ),
    (
        "same-city-twice",
        CityResource,
        "csv",
        cities(
            ["Khon Kaen", "TH", "16.4", "102.8"],
            ["Udon Thani", "TH", "17.4", "102.8"],
            ["khon kaen ", " th", "16.4", "102.8"],
        ),
        "line 4: The same city, khon kaen (TH), appears twice in the file, on lines 2 and 4",
    ),
    (
        "unknown-column",
        CityResource,
        "csv",
        csv_bytes([[*CITY_HEADERS, "colour"], ["Khon Kaen", "TH", "16.4", "102.8", "red"]]),
        "Unknown column 'colour'",
    ),
    (
        "missing-key-column",
        CityResource,
        "csv",
        csv_bytes([["name"], ["Khon Kaen"]]),
        "Missing column 'member_state'",
    ),
    (
        "duplicate-column",
        CityResource,
        "csv",
        csv_bytes([["name", "member_state", "name"], ["Khon Kaen", "TH", "Khon Kaen"]]),
        "Column 'name' appears twice",
    ),
    (
        "unknown-organisation-in-list",
        AgreementResource,
        "csv",
        csv_bytes(
            [
                ["title", "kind", "parties"],
                ["New MOU", "mou", "United Nations Development Programme; Ministry of Nowhere"],
            ]
        ),
        "column parties: Unknown organisation 'Ministry of Nowhere'",
    ),
    (
        "mou-with-one-party",
        AgreementResource,
        "csv",
        csv_bytes(
            [
                ["title", "kind", "parties"],
                ["Lonely MOU", "mou", "United Nations Development Programme"],
            ]
        ),
        "at least two parties",
    ),
    (
        "formula-cell",
        CityResource,
        "xlsx",
        xlsx_with(formula),
        "line 2, column latitude: The cell holds a formula (=10+6.44)",
    ),
    (
        "text-too-long",
        CityResource,
        "csv",
        cities(["K" * 201, "TH", "16.4", "102.8"]),
        "column name: The text is 201 characters long; at most 200 are allowed",
    ),
    (
        "nul-byte",
        CityResource,
        "csv",
        cities(["Khon\x00Kaen", "TH", "16.4", "102.8"]),
        "line 2, column name: The text contains a NUL character",
    ),
    (
        "control-character",
        CityResource,
        "csv",
        cities(["Khon\x07Kaen", "TH", "16.4", "102.8"]),
        "control character U+0007",
    ),
    ("empty-file", CityResource, "csv", b"", "is empty"),
    ("header-only", CityResource, "csv", csv_bytes([CITY_HEADERS]), "column headers but no rows"),
    (
        "semicolon-delimiter",
        CityResource,
        "csv",
        csv_bytes([CITY_HEADERS, ["Khon Kaen", "TH", "16.4", "102.8"]], delimiter=";"),
        "separated by ';', not commas",
    ),
    (
        "windows-1252",
        CityResource,
        "csv",
        "name,member_state\n\u201cKhon Kaen\u201d,TH\n".encode("cp1252"),
        "not UTF-8 text",
    ),
    (
        "utf-16",
        CityResource,
        "csv",
        "name,member_state\nKhon Kaen,TH\n".encode("utf-16"),
        "UTF-16",
    ),
    (
        "xlsx-sent-as-csv",
        CityResource,
        "csv",
        xlsx_with(None),
        "content is an XLSX workbook, but it was declared as CSV",
    ),
    (
        "csv-sent-as-xlsx",
        CityResource,
        "xlsx",
        cities(["Khon Kaen", "TH", "16.4", "102.8"]),
        "content is a text file (CSV or JSON), but it was declared as XLSX",
    ),
    (
        "not-a-spreadsheet",
        CityResource,
        "xlsx",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        "neither a workbook nor text, but it was declared as XLSX",
    ),
    ("damaged-xlsx", CityResource, "xlsx", xlsx_with(None)[:300], "damaged"),
    ("merged-cells", CityResource, "xlsx", xlsx_with(merged), "Cells B2:B3 of sheet"),
    ("hidden-sheet", CityResource, "xlsx", xlsx_with(hidden_sheet), "hidden sheet, 'notes'"),
    ("zip-bomb", CityResource, "xlsx", zip_bomb(), "zip bomb"),
    ("xml-entities", CityResource, "xlsx", billion_laughs(), "XML entity declarations"),
    (
        "ten-thousand-blank-rows",
        CityResource,
        "csv",
        cities(*[[""] * 4] * 10_000),
        "only blank rows",
    ),
    (
        "one-bad-row-among-500",
        CityResource,
        "csv",
        cities(*good_cities(250), ["Atlantis", "XX", "1", "1"], *good_cities(250)[::-1][:249]),
        "line 252, column member_state: Unknown member state 'XX'",
    ),
    ("json-not-a-list", MemberStateResource, "json", b'{"code": "TH"}', "list of objects"),
    (
        "json-nested-value",
        MemberStateResource,
        "json",
        b'[{"code": "TH", "name": {"en": "x"}}]',
        "column name: A single value is expected",
    ),
    (
        "more-cells-than-headers",
        CityResource,
        "csv",
        b"name,member_state\nKhon Kaen,TH,16.4\n",
        "Line 2 has more cells than there are column headers",
    ),
    (
        "national-representative-with-city",
        OfficerResource,
        "csv",
        officers(["Somchai", "", "Bangkok", "national_representative", "", ""]),
        "National Representative belongs to a member state",
    ),
]
IDS = [bad[0] for bad in BAD_FILES]


def import_through_resource(resource_class, fmt, data):
    """The code path: read with the format, import with the resource (as a dry run would)."""
    try:
        dataset = FORMATS_BY_NAME[fmt]().create_dataset(data)
    except SpreadsheetError as error:
        return str(error)
    result = resource_class().import_data(dataset, dry_run=False)
    assert result.refused
    assert result.has_errors()
    return result.report()


@pytest.mark.parametrize(("name", "resource", "fmt", "data", "message"), BAD_FILES, ids=IDS)
def test_bad_file_is_refused_with_a_clear_message_and_changes_nothing(
    founding, name, resource, fmt, data, message
):
    before = registry_state()
    report = import_through_resource(resource, fmt, data)
    assert message in report
    assert "Traceback" not in report
    assert registry_state() == before


@pytest.mark.parametrize(("name", "resource", "fmt", "data", "message"), BAD_FILES, ids=IDS)
def test_bad_file_is_refused_in_the_admin_preview_without_a_confirm_button(
    founding, editor_client, name, resource, fmt, data, message
):
    before = registry_state()
    model_name = resource._meta.model._meta.model_name
    response = admin_preview(editor_client, model_name, f"upload.{fmt}", data, fmt)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    # The page lists line, column and reason in a table; the reason is what follows ": ".
    reason = re.sub(r"^(line \d+(, column \w+)?|column \w+): ", "", message)
    assert reason in page
    assert "Traceback" not in page
    result = response.context.get("result")
    if result is not None:
        assert any(message in str(problem) for problem in result.problems)
    assert "confirm_form" not in response.context or not response.context["confirm_form"]
    assert registry_state() == before


@pytest.mark.parametrize(
    ("name", "resource", "fmt", "data", "message"),
    [
        bad
        for bad in BAD_FILES
        if bad[0]
        in {
            "unknown-member-state",
            "formula-cell",
            "windows-1252",
            "one-bad-row-among-500",
            "zip-bomb",
            "header-only",
        }
    ],
    ids=lambda value: value if isinstance(value, str) and "-" in value else "",
)
def test_bad_file_makes_the_import_command_fail_and_write_nothing(
    founding, tmp_path, capsys, name, resource, fmt, data, message
):
    before = registry_state()
    path = tmp_path / f"upload.{fmt}"
    path.write_bytes(data)
    dotted = f"registry.resources.{resource.__name__}"
    with pytest.raises((SystemExit, CommandError)) as raised:
        call_command("import", dotted, str(path), "--no-input")
    if isinstance(raised.value, SystemExit):
        assert raised.value.code == 1
        output = capsys.readouterr().err
    else:
        output = str(raised.value)
    assert message in output
    assert registry_state() == before


def test_a_large_upload_is_refused_before_it_is_read(founding, editor_client, settings):
    settings.REGISTRY_IMPORT_MAX_UPLOAD_BYTES = 1024
    before = registry_state()
    data = cities(*good_cities(100))
    assert len(data) > 1024
    response = admin_preview(editor_client, "city", "cities.csv", data, "csv")
    assert response.status_code == 200
    assert "files up to 1.0\xa0KB can be imported" in html.unescape(response.content.decode())
    assert response.context.get("result") is None
    assert registry_state() == before


def test_the_refused_rows_download_has_an_error_column_and_imports_again_once_fixed(
    founding, editor_client
):
    data = cities(["Khon Kaen", "TH", "16.4", "102.8"], ["Atlantis", "XX", "1", "1"])
    response = admin_preview(editor_client, "city", "cities.csv", data, "csv")
    download = editor_client.get(response.context["refused_rows_url"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    refused = FORMATS_BY_NAME["csv"]().create_dataset(download.content)
    assert refused.headers == [*CITY_HEADERS, "error"]
    assert refused.dict == [
        {
            "name": "Atlantis",
            "member_state": "XX",
            "latitude": "1",
            "longitude": "1",
            "error": "member_state: Unknown member state 'XX' (use an ISO 3166-1 alpha-2 "
            "code, e.g. TH).",
        }
    ]
    # Fixed, the same file (error column and all) imports.
    fixed = download.content.replace(b"Atlantis,XX", b"Atlantis,ID")
    result = CityResource().import_data(FORMATS_BY_NAME["csv"]().create_dataset(fixed))
    assert not result.refused, result.report()
    assert result.totals["new"] == 1


def test_a_viewer_cannot_download_refused_rows(founding, editor, viewer):
    editor_client, viewer_client = Client(), Client()
    editor_client.force_login(editor)
    viewer_client.force_login(viewer)
    data = cities(["Atlantis", "XX", "1", "1"])
    url = admin_preview(editor_client, "city", "c.csv", data, "csv").context["refused_rows_url"]
    assert editor_client.get(url).status_code == 200
    assert viewer_client.get(url).status_code == 403


def test_openpyxl_parses_xml_with_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML
