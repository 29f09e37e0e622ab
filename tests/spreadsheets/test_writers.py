"""The files the registry writes: ODS styles and whitespace, XLSX quote prefixes, JSON as stored."""

import datetime
import decimal
import io
import json
import zipfile

import defusedxml.ElementTree as ElementTree
import pytest
from django.core.management import CommandError, call_command

from registry.models import City, MemberState, Source
from registry.spreadsheets.downloads import export_bytes
from registry.spreadsheets.files import read_workbook
from registry.spreadsheets.ods_writer import write_ods
from registry.spreadsheets.resources import CityResource, SourceResource
from registry.spreadsheets.writers import write_xlsx

from ..spreadsheet_files import import_file, read_back, registry_state, rewrite_zip

STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
NUMBER = "{urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0}"

EXACT_TEXT = ["a\tb", "two\nlines", "wide   gap", "  leading", "trailing  ", "=SUM(A1)", "'q"]


def test_every_ods_date_cell_references_a_date_style_the_file_defines():
    data = write_ods(
        [("S", ["day", "moment"], [[datetime.date(2018, 4, 1), datetime.datetime(2020, 1, 2)]])]
    )
    root = ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("content.xml"))
    date_styles = {e.get(f"{STYLE}name") for e in root.iter(f"{NUMBER}date-style")}
    cell_styles = {
        e.get(f"{STYLE}name"): e.get(f"{STYLE}data-style-name") for e in root.iter(f"{STYLE}style")
    }
    dated = [c for c in root.iter(f"{TABLE}table-cell") if c.get(f"{OFFICE}value-type") == "date"]
    assert len(dated) == 2
    for cell in dated:
        assert cell_styles[cell.get(f"{TABLE}style-name")] in date_styles


@pytest.mark.parametrize("writer", [write_ods, write_xlsx], ids=["ods", "xlsx"])
def test_workbook_cells_read_back_exactly_as_written(writer):
    rows = [[text, decimal.Decimal("12.50"), datetime.date(2018, 4, 1)] for text in EXACT_TEXT]
    (dataset,) = read_workbook(
        writer([("S", ["text", "n", "day"], rows)]), "ODS" if writer is write_ods else "XLSX"
    ).values()
    assert [row[0] for row in dataset] == EXACT_TEXT
    assert {row[1] for row in dataset} == {12.5}
    assert {row[2] for row in dataset} == {datetime.date(2018, 4, 1)}


def test_ods_tabs_line_breaks_spaces_and_rich_text_as_libreoffice_writes_them_read_exactly():
    cells = {
        "a<text:tab/>b": "a\tb",
        "a<text:line-break/>b": "a\nb",
        'x<text:s/>y<text:s text:c="2"/>z': "x y  z",
        '<text:span text:style-name="T1">bold</text:span> and<text:tab/>plain': "bold and\tplain",
    }

    def replace(name, content):
        if name != "content.xml":
            return content
        for index, markup in enumerate(cells):
            content = content.replace(
                f"<text:p>cell{index}</text:p>".encode(), f"<text:p>{markup}</text:p>".encode()
            )
        return content

    data = write_ods([("S", ["text"], [[f"cell{index}"] for index in range(len(cells))])])
    (dataset,) = read_workbook(rewrite_zip(data, replace), "ODS").values()
    assert [row[0] for row in dataset] == list(cells.values())


def rich_text_xlsx(sources, edits):
    """The sources' XLSX export with `edits` ({(title, column): runs}) as rich-text cells."""
    from openpyxl import load_workbook
    from openpyxl.cell.rich_text import CellRichText

    workbook = load_workbook(io.BytesIO(export_bytes(sources, "xlsx", SourceResource)))
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    rows = {row[headers.index("title")].value: row for row in sheet.iter_rows(min_row=2)}
    for (title, column), runs in edits.items():
        rows[title][headers.index(column)].value = CellRichText(runs)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


@pytest.mark.django_db
def test_xlsx_rich_text_runs_import_as_their_exact_concatenated_text(founding):
    """A cell formatted in Excel or LibreOffice (bold, italic, another font for a word) is
    stored as rich-text runs; the import reads the text of every run, in order, with the
    tabs, line breaks and runs of spaces a run holds, and none of its formatting."""
    from openpyxl.cell.rich_text import TextBlock
    from openpyxl.cell.text import InlineFont

    sources = Source.objects.order_by("pk")
    edited, unchanged = sources[0], sources[1]
    note = [
        TextBlock(InlineFont(b=True), "Bold"),
        " plain, ",
        TextBlock(InlineFont(i=True, rFont="Courier New"), "italic  mono"),
        TextBlock(InlineFont(rFont="Noto Sans Lao", sz=14, color="FFFF0000"), "\tທ\nline two"),
        TextBlock(InlineFont(u="single", strike=True), " end"),
    ]
    expected = "Bold plain, italic  mono\tທ\nline two end"
    # The same text as stored, only formatted: not a change.
    title = [TextBlock(InlineFont(b=True), unchanged.title[:3]), unchanged.title[3:]]
    data = rich_text_xlsx(
        sources, {(edited.title, "note"): note, (unchanged.title, "title"): title}
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheet_xml = b"".join(
        archive.read(name) for name in archive.namelist() if name.startswith("xl/")
    )
    assert sheet_xml.count(b"<r>") >= len(note) + len(title) - 2  # runs, not plain strings
    before = {source.pk: source.note for source in sources}

    result = import_file(SourceResource, data, "xlsx")
    assert not result.refused, result.report()
    assert result.totals["new"] == 0 and result.totals["update"] == 1
    assert Source.objects.get(pk=edited.pk).note == expected
    assert Source.objects.get(pk=unchanged.pk).title == unchanged.title
    assert dict(sources.values_list("pk", "note")) == {
        **before,
        edited.pk: expected,
    }
    state = registry_state()
    again = import_file(SourceResource, data, "xlsx")
    assert again.totals["new"] == again.totals["update"] == 0
    assert registry_state() == state


def test_xlsx_formula_looking_text_is_typed_text_with_the_quote_prefix_style():
    from openpyxl import load_workbook

    data = write_xlsx([("S", ["text"], [["=SUM(A1)"], ["+84 1"], ["'q"], ["plain"]])])
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["=SUM(A1)", "+84 1", "'q", "plain"]
    assert [c.data_type for c in cells] == ["s"] * 4
    assert [c.quotePrefix for c in cells] == [True, True, True, False]


@pytest.mark.django_db
def test_public_json_download_carries_stored_values_and_imports_back(client, founding):
    city = City.objects.get(name="DKI Jakarta")
    City.objects.filter(pk=city.pk).update(name="+62 Jakarta")
    response = client.get("/cities/", {"format": "json"})
    data = b"".join(response.streaming_content)
    records = json.loads(data)
    assert "+62 Jakarta" in {record["name"] for record in records}
    assert "registry_url" in records[0]
    before = registry_state()
    result = import_file(CityResource, data, "json")
    assert not result.refused, result.report()
    assert result.totals["new"] == result.totals["update"] == 0
    assert any("registry_url" in note for note in result.notes)
    assert registry_state() == before


@pytest.mark.django_db
def test_public_xlsx_download_cells_equal_the_database_values(client, founding):
    City.objects.filter(name="DKI Jakarta").update(name="=Jakarta")
    response = client.get("/cities/", {"format": "xlsx"})
    dataset = read_back(b"".join(response.streaming_content), "xlsx")
    names = set(dataset["name"])
    assert "=Jakarta" in names
    assert names == set(
        City.objects.filter(member_state__in=MemberState.objects.all()).values_list(
            "name", flat=True
        )
    )


@pytest.mark.django_db
def test_export_registry_with_a_bad_format_leaves_the_file_untouched(founding, tmp_path):
    precious = tmp_path / "precious.csv"
    precious.write_bytes(b"keep me")
    with pytest.raises(CommandError):
        call_command("export_registry", str(precious))
    assert precious.read_bytes() == b"keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["precious.csv"]


@pytest.mark.django_db
def test_export_registry_replaces_the_file_only_when_complete(founding, tmp_path, monkeypatch):
    target = tmp_path / "registry.xlsx"
    target.write_bytes(b"old")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("registry.spreadsheets.workbook.write_xlsx", fail)
    with pytest.raises((CommandError, OSError)):
        call_command("export_registry", str(target))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["registry.xlsx"]
    monkeypatch.undo()
    call_command("export_registry", str(target))
    assert read_workbook(target.read_bytes(), "XLSX")["cities"] is not None
