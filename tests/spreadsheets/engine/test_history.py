"""
Spreadsheet imports and the change history: every record an import writes gets a historical
record (attributed to the staff member and the file, or to the command and the file), updated
records get a new version, and a preview, a dry run or a refused file leaves no history.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from registry.history import BASELINE_REASON
from registry.models import City, DataVersion, Officer
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.resources import CityResource
from registry.spreadsheets.workbook import export_workbook, import_workbook

from ...spreadsheet_files import (
    admin_confirm,
    admin_preview,
    csv_bytes,
    read_back,
    registry_state,
    xlsx_bytes,
)


def changes_of(record):
    """A record's history after its baseline (the founding state, written by loaddata)."""
    return record.history.exclude(history_change_reason=BASELINE_REASON)


CITY_ROWS = [
    ["name", "member_state", "latitude", "longitude", "sources"],
    # A new city, with a source.
    ["Khon Kaen", "TH", "16.44", "102.83", "ASEAN Smart Cities Network"],
    # A founding city, moved a little and given a second source.
    [
        "Bangkok",
        "TH",
        "13.75",
        "100.5",
        "ASEAN Smart Cities Network; Concept Note of the ASEAN Smart Cities Network",
    ],
    # Unchanged.
    ["Phuket", "TH", "7.8804", "98.3923", "ASEAN Smart Cities Network"],
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def source_titles(historical_record):
    return sorted(row.source.title for row in historical_record.sources.all())


def test_an_admin_import_records_who_imported_which_file(founding, editor, editor_client):
    bangkok = City.objects.get(name="Bangkok")
    phuket = City.objects.get(name="Phuket")
    before = registry_state()
    preview = admin_preview(editor_client, "city", "thai-cities.csv", csv_bytes(CITY_ROWS), "csv")
    assert preview.status_code == 200
    assert registry_state() == before  # the preview wrote nothing, history included

    admin_confirm(editor_client, "city", preview)

    new = changes_of(City.objects.get(name="Khon Kaen")).get()
    assert new.history_type == "+"
    assert new.history_user == editor
    assert new.history_change_reason == "Spreadsheet import of thai-cities.csv"
    assert source_titles(new) == ["ASEAN Smart Cities Network"]

    changed = changes_of(bangkok).get()
    assert changed.history_type == "~"
    assert (changed.history_user, changed.history_change_reason) == (
        editor,
        "Spreadsheet import of thai-cities.csv",
    )
    assert changed.latitude == City.objects.get(pk=bangkok.pk).latitude
    assert source_titles(changed) == [
        "ASEAN Smart Cities Network",
        "Concept Note of the ASEAN Smart Cities Network",
    ]
    bangkok_now = City.objects.get(pk=bangkok.pk)
    assert bangkok_now.version == bangkok.version + 1 == changed.version
    assert not changes_of(phuket).exists()  # an unchanged row is not written
    assert City.objects.get(pk=phuket.pk).version == phuket.version


def test_the_history_page_shows_an_imported_change_with_its_reason(
    founding, editor, editor_client
):
    bangkok = City.objects.get(name="Bangkok")
    bangkok.save()  # a first historical record to compare the import's with
    preview = admin_preview(editor_client, "city", "thai-cities.csv", csv_bytes(CITY_ROWS), "csv")
    admin_confirm(editor_client, "city", preview)
    page = editor_client.get(reverse("admin:registry_city_history", args=[bangkok.pk]))
    text = page.content.decode()
    assert "Spreadsheet import of thai-cities.csv" in text
    assert "13.75630" in text and "13.75000" in text  # the old and new latitude


def test_a_change_of_sources_only_is_a_new_version_with_history(founding, editor):
    bangkok = City.objects.get(name="Bangkok")
    rows = [
        ["name", "member_state", "sources"],
        ["Bangkok", "TH", "Concept Note of the ASEAN Smart Cities Network"],
    ]
    result = CityResource().import_data(read_back(csv_bytes(rows), "csv"), user=editor)
    assert not result.refused
    record = changes_of(bangkok).get()
    assert record.history_type == "~"
    assert source_titles(record) == ["Concept Note of the ASEAN Smart Cities Network"]
    assert City.objects.get(pk=bangkok.pk).version == bangkok.version + 1


@pytest.mark.parametrize("how", ["dry run", "refused"])
def test_a_dry_run_or_a_refused_file_leaves_no_history(founding, editor, how):
    rows = CITY_ROWS if how == "dry run" else [*CITY_ROWS, ["Atlantis", "XX"]]
    before = registry_state()
    result = CityResource().import_data(
        read_back(csv_bytes(rows), "csv"), dry_run=how == "dry run", user=editor
    )
    assert result.refused == (how == "refused")
    assert result.refused or result.summary().startswith("1 new, 1 updated")
    assert registry_state() == before


def test_an_import_changes_the_public_data_version_once_written(founding, editor, client):
    etag = client.get("/cities/")["ETag"]
    before = DataVersion.current().version
    CityResource().import_data(read_back(csv_bytes(CITY_ROWS), "csv"), dry_run=True)
    assert DataVersion.current().version == before
    assert client.get("/cities/")["ETag"] == etag

    CityResource().import_data(read_back(csv_bytes(CITY_ROWS), "csv"), user=editor)
    assert DataVersion.current().version > before
    response = client.get("/cities/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "Khon Kaen" in response.content.decode()

    # A file that changes nothing leaves the version as it is.
    after = DataVersion.current().version
    CityResource().import_data(read_back(csv_bytes(CITY_ROWS), "csv"), user=editor)
    assert DataVersion.current().version == after


def test_the_csco_an_import_replaces_gets_a_historical_record(founding, editor):
    rows = [["name", "city", "start_date"], ["Sok Dara", "Phnom Penh", "2024-01-15"]]
    OfficerResource().import_data(read_back(csv_bytes(rows), "csv"), file_name="o.csv")
    ended = Officer.objects.get(name="Seng Vannak")
    record = changes_of(ended).get()
    assert record.end_date == datetime.date(2024, 1, 14)
    assert record.history_change_reason == "Spreadsheet import of o.csv"
    assert record.version == ended.version == 2
    assert source_titles(record) == sorted(s.title for s in ended.sources.all())


def test_import_registry_names_the_command_and_the_file(founding, tmp_path):
    path = tmp_path / "registry.xlsx"
    City.objects.filter(name="Bangkok").update(latitude="13.7")
    path.write_bytes(export_workbook("xlsx"))
    City.objects.filter(name="Bangkok").update(latitude="13.75630")
    call_command("import_registry", str(path), stdout=None)
    record = changes_of(City.objects.get(name="Bangkok")).get()
    assert record.history_change_reason == f"manage.py import_registry {path}"
    assert record.history_user is None


def test_the_import_command_names_itself_and_the_file(founding, tmp_path):
    path = tmp_path / "cities.csv"
    path.write_bytes(csv_bytes(CITY_ROWS))
    call_command("import", "registry.resources.CityResource", str(path), interactive=False)
    record = changes_of(City.objects.get(name="Khon Kaen")).get()
    assert record.history_change_reason == f"manage.py import {path}"


def test_an_admin_workbook_import_records_the_user_and_the_file(founding, editor):
    client = Client()
    client.force_login(editor)
    City.objects.filter(name="Bangkok").update(latitude="13.7")
    workbook = export_workbook("xlsx")
    City.objects.filter(name="Bangkok").update(latitude="13.75630")
    url = reverse("admin:registry_workbook_import")
    preview = client.post(url, {"import_file": SimpleUploadedFile("week-12.xlsx", workbook)})
    assert not City.history.exclude(history_change_reason=BASELINE_REASON).exists()
    client.post(url, {**preview.context["confirm_form"].initial, "confirm": "1"})
    record = changes_of(City.objects.get(name="Bangkok")).get()
    assert (record.history_user, record.history_change_reason) == (
        editor,
        "Spreadsheet import of week-12.xlsx",
    )


def test_a_form_opened_before_an_import_reports_a_conflict(founding, editor, editor_client):
    bangkok = City.objects.get(name="Bangkok")
    bangkok.save()  # the version the form opens, kept in the history
    change_url = reverse("admin:registry_city_change", args=[bangkok.pk])
    opened = editor_client.get(change_url).context["adminform"].form
    rows = [["name", "member_state", "latitude", "longitude"], ["Bangkok", "TH", "13.7", "100.5"]]
    CityResource().import_data(read_back(csv_bytes(rows), "csv"), file_name="late.csv")

    data = {name: value for name, value in opened.initial.items() if value is not None}
    data.update(
        latitude="13.8",
        longitude="100.6",
        sources=[s.pk for s in bangkok.sources.all()],
        **{"officers-TOTAL_FORMS": "0", "officers-INITIAL_FORMS": "0"},
    )
    response = editor_client.post(change_url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Someone else saved this city" in text
    assert "13.75630" in text and "13.70000" in text  # was when opened, and is now
    assert str(City.objects.get(pk=bangkok.pk).latitude) == "13.70000"


def test_a_workbook_refused_on_a_later_sheet_leaves_no_history_of_earlier_ones(founding, editor):
    def add_cities(workbook, sheet):
        cities = workbook.create_sheet("cities")
        cities.append(["name", "member_state"])
        cities.append(["Atlantis", "XX"])

    workbook = xlsx_bytes(
        [["title", "publisher"], ["ASEAN Smart Cities Network", "Changed"]],
        add_cities,
        title="sources",
    )
    before = registry_state()
    result = import_workbook(workbook, "xlsx", user=editor, file_name="week-12.xlsx")
    assert result.refused
    assert dict(result.results)["sources"].summary().startswith("0 new, 1 updated")
    assert registry_state() == before
