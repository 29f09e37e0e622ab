"""Hostile files judged by their bytes: the container, every XML member whole, the separator."""

import pytest
from django.test import Client

from registry.spreadsheets.containers import detect_container
from registry.spreadsheets.errors import SpreadsheetError
from registry.spreadsheets.files import read_csv, read_single_sheet, read_workbook
from registry.spreadsheets.ods_writer import write_ods
from registry.spreadsheets.resources import CityResource
from registry.spreadsheets.workbook import import_workbook

from ..spreadsheet_files import (
    admin_preview,
    csv_bytes,
    page_text,
    registry_state,
    rewrite_zip,
    xlsx_bytes,
)

CITY_HEADERS = ["name", "member_state", "latitude", "longitude"]


def formula_xlsx():
    def add_formula(workbook, sheet):
        sheet["A3"] = "=1+5"

    return xlsx_bytes([CITY_HEADERS, ["Khon Kaen", "TH", 16.4, 102.8]], add_formula)


def test_the_container_is_detected_from_the_bytes():
    assert detect_container(formula_xlsx()) == "XLSX"
    assert detect_container(write_ods([("S", ["a"], [["b"]])])) == "ODS"
    assert detect_container(b"name,code\nx,y\n") == "TEXT"


def test_xlsx_content_declared_as_ods_is_refused_naming_both():
    with pytest.raises(SpreadsheetError) as refused:
        read_single_sheet(formula_xlsx(), "ODS")
    assert "content is an XLSX workbook, but it was declared as ODS" in str(refused.value)


@pytest.mark.django_db
def test_an_xlsx_workbook_named_ods_is_refused_and_its_formula_values_never_imported(founding):
    before = registry_state()
    with pytest.raises(SpreadsheetError) as refused:
        import_workbook(formula_xlsx(), "ods")
    assert "XLSX workbook" in str(refused.value) and "ODS" in str(refused.value)
    assert registry_state() == before


@pytest.mark.django_db
def test_the_admin_refuses_a_file_whose_name_says_another_format(admin_user, founding):
    client = Client()
    client.force_login(admin_user)
    before = registry_state()
    response = admin_preview(client, "city", "cities.ods", formula_xlsx(), "ods")
    text = page_text(response)
    assert response.status_code == 200
    assert "XLSX" in text and "ODS" in text and "declared as" in text
    response = admin_preview(client, "city", "cities.ods", formula_xlsx(), "xlsx")
    assert "named as ODS, but it was declared as XLSX" in page_text(response)
    assert registry_state() == before


@pytest.mark.parametrize("fmt", ["XLSX", "ODS"])
def test_a_doctype_after_a_long_comment_is_refused_in_any_member(fmt):
    data = (
        formula_xlsx() if fmt == "XLSX" else write_ods([("S", CITY_HEADERS, [["a", "TH", 1, 2]])])
    )
    hidden = b"<!--" + b"x" * 10_000 + b'--><!DOCTYPE d [<!ENTITY e "boom">]>'

    def insert(name, content):
        if name.endswith(".xml") and content.startswith(b"<?xml"):
            head, _, rest = content.partition(b"?>")
            return head + b"?>" + hidden + rest
        return content

    with pytest.raises(SpreadsheetError, match="entity declarations"):
        read_workbook(rewrite_zip(data, insert), fmt)


def test_a_declaration_split_between_two_reads_is_still_found(settings):
    from registry.spreadsheets import containers

    data = write_ods([("S", CITY_HEADERS, [["a", "TH", 1, 2]])])
    padding = b"<!--" + b"y" * (containers.SCAN_CHUNK - 60) + b"-->"

    def insert(name, content):
        if name == "content.xml":
            head, _, rest = content.partition(b"?>")
            return head + b"?>" + padding + b"<!DOCTYPE d>" + rest
        return content

    with pytest.raises(SpreadsheetError, match="entity declarations"):
        read_workbook(rewrite_zip(data, insert), "ODS")


# Each separator the README says is refused, and how the message names it.
OTHER_SEPARATORS = {";": "';'", "\t": "tabs", "|": "'|'"}


def other_separator_csv(separator):
    return csv_bytes(
        [
            CITY_HEADERS,
            ["Khon Kaen", "TH", "16,4", "102,8"],
            ["Udon Thani", "TH", "17,4", "102,8"],
        ],
        delimiter=separator,
    )


@pytest.mark.parametrize("separator", OTHER_SEPARATORS, ids=["semicolon", "tab", "pipe"])
def test_a_semicolon_csv_gets_a_message_naming_the_separator(separator):
    with pytest.raises(SpreadsheetError) as refused:
        read_csv(other_separator_csv(separator))
    assert f"separated by {OTHER_SEPARATORS[separator]}, not commas" in str(refused.value)


@pytest.mark.django_db
@pytest.mark.parametrize("separator", OTHER_SEPARATORS, ids=["semicolon", "tab", "pipe"])
def test_a_semicolon_csv_changes_nothing(founding, separator):
    before = registry_state()
    with pytest.raises(SpreadsheetError):
        CityResource().import_data(read_csv(other_separator_csv(separator)))
    assert registry_state() == before
