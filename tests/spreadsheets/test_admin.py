"""The admin's import (preview, confirm) and export, and the whole-registry workbook."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from registry.models import City, MemberState, Officer
from registry.spreadsheets.downloads import export_bytes
from registry.spreadsheets.files import read_workbook
from registry.spreadsheets.resources import RESOURCES, CityResource
from registry.spreadsheets.storage import SharedCacheStorage

from ..registry_states import record_versions, registry_records
from ..spreadsheet_files import (
    FORMATS,
    admin_confirm,
    admin_preview,
    csv_bytes,
    page_text,
    read_back,
    registry_state,
    xlsx_bytes,
)


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


def test_the_same_workbook_uploaded_twice_through_the_admin_changes_nothing_the_second_time(
    founding, editor_client
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("admin:registry_workbook_import")
    workbook = editor_client.get(reverse("admin:registry_workbook_export")).content
    Officer.objects.filter(name="Seng Vannak").update(designation="Old title")
    counts = {r.sheet_name: r._meta.model.objects.count() for r in RESOURCES}

    def upload(updated):
        """Preview and confirm the workbook; every sheet's summary, `updated` rows each."""
        preview = editor_client.post(
            url, {"import_file": SimpleUploadedFile("registry.xlsx", workbook)}
        )
        page = page_text(preview)
        for sheet, count in counts.items():
            changed = updated.get(sheet, 0)
            assert f"0 new, {changed} updated, {count - changed} unchanged" in page, sheet
        form = preview.context["confirm_form"]
        assert editor_client.post(url, {**form.initial, "confirm": "1"}).status_code == 302

    upload({"officers": 1})
    after_first = registry_records(), record_versions(), registry_state()
    upload({})
    assert (registry_records(), record_versions(), registry_state()) == after_first
    assert Officer.objects.get(name="Seng Vannak").designation == "Chief of Administration"


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
