"""Tampered import confirmations and other users' uploads: a message or a 404, never a 500,
and nothing written; the history names the file the server received."""

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from registry.models import City
from registry.spreadsheets.storage import SharedCacheStorage

from ..conftest import make_staff
from ..spreadsheet_files import (
    admin_preview,
    csv_bytes,
    page_text,
    registry_state,
    xlsx_bytes,
)

NEW_CITY = [["name", "member_state"], ["Khon Kaen", "TH"]]


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def preview(founding, editor_client):
    return admin_preview(editor_client, "city", "cities.csv", csv_bytes(NEW_CITY), "csv")


def refused_rows_name(client):
    rows = [["name", "member_state"], ["Atlantis", "XX"]]
    response = admin_preview(client, "city", "bad.csv", csv_bytes(rows), "csv")
    return response.context["refused_rows_url"].rstrip("/").rsplit("/", 1)[-1]


def confirm_with(client, preview, **changes):
    form = preview.context["confirm_form"]
    data = {
        name: form.initial.get(name, "") for name in ("import_file_name", "format", "resource")
    }
    data.update(changes)
    client.raise_request_exception = False
    return client.post(reverse("admin:registry_city_process_import"), data)


@pytest.mark.parametrize(
    "changes",
    [
        {"format": "99"},
        {"format": "abc"},
        {"format": "1"},  # another real format than the preview's
        {"resource": "7"},
        {"resource": "abc"},
        {"import_file_name": "../../etc/passwd"},
        {"import_file_name": "0" * 32},
        {"import_file_name": ""},
    ],
    ids=str,
)
def test_a_tampered_admin_confirmation_is_a_message_and_writes_nothing(
    preview, editor_client, changes
):
    before = registry_state()
    response = confirm_with(editor_client, preview, **changes)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:registry_city_import")
    assert messages_of(response) and "Upload" in messages_of(response)[0]
    assert registry_state() == before


def test_a_refused_rows_entry_is_not_an_upload_to_confirm(preview, editor_client):
    before = registry_state()
    response = confirm_with(
        editor_client, preview, import_file_name=refused_rows_name(editor_client)
    )
    assert response.status_code == 302
    assert "no longer available" in messages_of(response)[0]
    assert registry_state() == before


def test_another_staff_member_cannot_confirm_someone_elses_upload(preview):
    other = Client()
    other.force_login(make_staff("mallory", "Secretariat editor"))
    response = confirm_with(other, preview)
    assert response.status_code == 302
    assert "not uploaded by you" in messages_of(response)[0]
    assert not City.objects.filter(name="Khon Kaen").exists()


def test_refused_rows_belong_to_who_uploaded_them(founding, editor_client):
    url = reverse("admin:registry_city_import_refused", args=[refused_rows_name(editor_client)])
    assert editor_client.get(url).status_code == 200
    other = Client()
    other.force_login(make_staff("mallory", "Secretariat editor"))
    assert other.get(url).status_code == 404


def test_previews_and_refused_rows_expire(founding, editor_client, settings, monkeypatch):
    settings.REGISTRY_IMPORT_PREVIEW_SECONDS = 600
    real, timeouts = caches["imports"], []

    class RecordingCache:
        def __getattr__(self, name):
            return getattr(real, name)

        def set(self, key, value, timeout):
            timeouts.append(timeout)
            real.set(key, value, timeout)

    monkeypatch.setattr(SharedCacheStorage, "cache", property(lambda self: RecordingCache()))
    preview = admin_preview(editor_client, "city", "cities.csv", csv_bytes(NEW_CITY), "csv")
    refused_rows_name(editor_client)
    assert len(timeouts) >= 4 and set(timeouts) == {600}  # uploads, refused rows, claims
    real.clear()  # what the cache does once they are past their time
    response = confirm_with(editor_client, preview)
    assert "expired" in messages_of(response)[0]
    assert not City.objects.filter(name="Khon Kaen").exists()


def test_the_history_names_the_file_as_uploaded_not_as_posted(preview, editor_client):
    response = confirm_with(editor_client, preview, original_file_name="<b>forged</b>.csv")
    assert response.status_code == 302
    record = City.objects.get(name="Khon Kaen").history.latest()
    assert record.history_change_reason == "Spreadsheet import of cities.csv"


def workbook_preview(client):
    data = xlsx_bytes(NEW_CITY, title="cities")
    return client.post(
        reverse("admin:registry_workbook_import"),
        {"import_file": SimpleUploadedFile("registry.xlsx", data)},
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"import_file_name": "../x"},
        {"import_file_name": ""},
        {"file_format": "csv", "original_file_name": "forged.xlsx"},
        {"import_file_name": "refused"},
    ],
    ids=str,
)
def test_a_tampered_workbook_confirmation_is_a_message(founding, editor_client, changes):
    preview = workbook_preview(editor_client)
    data = {**preview.context["confirm_form"].initial, "confirm": "1", **changes}
    if data["import_file_name"] == "refused":
        data["import_file_name"] = refused_rows_name(editor_client)
    editor_client.raise_request_exception = False
    before = registry_state()
    response = editor_client.post(reverse("admin:registry_workbook_import"), data)
    if "original_file_name" in changes:  # ignored: the server kept the file's own
        assert response.status_code == 302
        record = City.objects.get(name="Khon Kaen").history.latest()
        assert record.history_change_reason == "Spreadsheet import of registry.xlsx"
        return
    assert response.status_code == 302
    assert messages_of(response)
    assert registry_state() == before


def test_another_staff_member_cannot_confirm_someone_elses_workbook(founding, editor_client):
    preview = workbook_preview(editor_client)
    other = Client()
    other.force_login(make_staff("mallory", "Secretariat editor"))
    response = other.post(
        reverse("admin:registry_workbook_import"),
        {**preview.context["confirm_form"].initial, "confirm": "1"},
    )
    assert response.status_code == 302
    assert "not uploaded by you" in messages_of(response)[0]
    assert "Khon Kaen" not in page_text(other.get(reverse("admin:registry_city_changelist")))
