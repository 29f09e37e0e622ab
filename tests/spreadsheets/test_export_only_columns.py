"""A public download imported back: its export-only columns are ignored, and the preview says
which (the import's notes and the admin's preview page)."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from registry.models import City, Officer
from registry.spreadsheets.engine.prepare import EXPORT_ONLY_COLUMNS
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.resources import RESOURCES, CityResource

from ..spreadsheet_files import admin_preview, import_file, page_text, read_back, registry_state

CONFIRMATION = ["confirmed_on", "confirmed_in_round", "not_confirmed_in_round"]
# What each table's download carries beyond its importable columns, by format.
DOWNLOADS = {
    "cities": ("registry:city-list", CityResource, City, {}, CONFIRMATION),
    "officers": (
        "registry:officer-list",
        OfficerResource,
        Officer,
        {"current": "all"},
        ["in_post_as_of", *CONFIRMATION],
    ),
}


@pytest.fixture(autouse=True)
def fresh_pages():
    caches[settings.REGISTRY_PAGE_CACHE].clear()


def public_download(path, fmt, **params):
    response = Client().get(reverse(path), {"format": fmt, **params})
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def expected_columns(fmt, columns):
    return [*columns, "registry_url"] if fmt == "json" else columns


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("table", DOWNLOADS)
def test_a_public_download_imports_back_unchanged_and_names_its_export_only_columns(
    founding, fmt, table
):
    path, resource_class, model, params, columns = DOWNLOADS[table]
    data = public_download(path, fmt, **params)
    headers = read_back(data, fmt).headers
    assert [h for h in headers if h not in resource_class.columns()] == expected_columns(
        fmt, columns
    )
    versions = dict(model.objects.values_list("pk", "version"))
    before = registry_state()
    result = import_file(resource_class, data, fmt, file_name=f"{table}.{fmt}")
    assert not result.refused, result.report()
    assert (result.totals["new"], result.totals["update"]) == (0, 0), result.report()
    assert result.totals["skip"] == model.objects.count()
    assert registry_state() == before
    assert dict(model.objects.values_list("pk", "version")) == versions
    (note,) = result.notes
    for column in expected_columns(fmt, columns):
        assert f"'{column}'" in note
    assert "ignored" in note


def test_every_readonly_field_is_an_export_only_column_of_its_table():
    # A new export-only column is said in the preview without being listed anywhere else.
    for resource_class in RESOURCES:
        resource = resource_class()
        readonly = [f.column_name for f in resource.get_import_fields() if f.readonly]
        assert resource.export_only_columns() == [*readonly, *EXPORT_ONLY_COLUMNS]
    assert "in_post_as_of" in OfficerResource().export_only_columns()


def test_a_file_of_importable_columns_only_has_no_note(founding):
    data = public_download("registry:city-list", "csv")
    rows = read_back(data, "csv")
    for column in CONFIRMATION:
        del rows[column]
    result = CityResource().import_data(rows)
    assert result.totals["skip"] == City.objects.count(), result.report()
    assert result.notes == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_admin_preview_of_a_download_shows_the_ignored_columns(founding, editor_client, fmt):
    data = public_download("registry:officer-list", fmt, current="all")
    preview = admin_preview(editor_client, "officer", f"officers.{fmt}", data, fmt)
    page = page_text(preview)
    assert f"0 new, 0 updated, {Officer.objects.count()} unchanged" in page
    notes = page.split('<ul class="import-notes">', 1)[1].split("</ul>", 1)[0]
    assert "ignored" in notes
    for column in ["in_post_as_of", *CONFIRMATION]:
        assert f"'{column}'" in notes
