"""Every way the registry writes a record counts as a save: an edit form opened before any of
them is refused with the conflict message, and nothing it holds is written."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from registry.history import bulk_update_with_history, recorded_as
from registry.models import City, Officer

from . import factories
from .conftest import make_staff
from .spreadsheet_files import admin_confirm, admin_preview, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def change_url(obj):
    return reverse(f"admin:registry_{obj._meta.model_name}_change", args=[obj.pk])


def posted_back(response):
    """What a browser posts back from an admin change form: every field as it was rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms.extend(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is False:
                continue  # an unticked checkbox is not sent
            data[form.add_prefix(name)] = "" if value is None else value
    return data


@pytest.fixture
def staff(founding, tmp_path):
    alice, bob = Client(), Client()
    alice.force_login(make_staff("alice", "Secretariat editor"))
    bob.force_login(make_staff("bob", "Secretariat editor"))
    return {"alice": alice, "bob": bob, "tmp_path": tmp_path}


def city_record():
    city = City.objects.with_state().get(name="Phnom Penh")
    with recorded_as(reason="a snapshot to revert to"):
        city.save()
    return City.objects.with_state().get(pk=city.pk)


def csco_record():
    """The current CSCO of Phnom Penh, whom a new CSCO's import replaces."""
    officer = Officer.objects.get(name="Seng Vannak")
    with recorded_as(reason="a snapshot"):
        officer.save()
    return Officer.objects.get(pk=officer.pk)


# Each write path: (record to open, how it writes the record). ---------------------------------


def by_admin_change_form(staff, city):
    page = staff["alice"].get(change_url(city))
    data = {**posted_back(page), "latitude": "11.55001"}
    assert staff["alice"].post(change_url(city), data).status_code == 302


def changed_city_record():
    """A city saved twice: a revert to the first version writes over the second."""
    city = city_record()
    city.latitude = "11.55000"
    with recorded_as(reason="a change to revert"):
        city.save()
    return City.objects.with_state().get(pk=city.pk)


def reverted_to(city):
    """The version before the last change (the snapshot; older ones are the baselines)."""
    return city.history.order_by("-history_date", "-history_id")[1]


def by_admin_revert(staff, city):
    first = reverted_to(city)
    url = reverse("admin:registry_city_simple_history", args=[city.pk, first.pk])
    page = staff["alice"].get(url)
    assert staff["alice"].post(url, posted_back(page)).status_code == 302


def by_admin_import(staff, city):
    data = csv_bytes([["name", "member_state", "latitude"], [city.name, "KH", "11.55002"]])
    preview = admin_preview(staff["alice"], "city", "cities.csv", data, "csv")
    assert admin_confirm(staff["alice"], "city", preview).status_code == 302


def by_manage_py_import(staff, city):
    path = staff["tmp_path"] / "cities.csv"
    path.write_bytes(
        csv_bytes([["name", "member_state", "latitude"], [city.name, "KH", "11.55003"]])
    )
    call_command("import", "registry.resources.CityResource", str(path), "--no-input")


def workbook(city):
    rows = [["name", "member_state", "latitude"], [city.name, "KH", "11.55004"]]
    return xlsx_bytes(rows, title="cities")


def by_admin_workbook_import(staff, city):
    url = reverse("admin:registry_workbook_import")
    preview = staff["alice"].post(
        url, {"import_file": SimpleUploadedFile("registry.xlsx", workbook(city))}
    )
    form = preview.context["confirm_form"]
    assert staff["alice"].post(url, {**form.initial, "confirm": "1"}).status_code == 302


def by_manage_py_import_registry(staff, city):
    path = staff["tmp_path"] / "registry.xlsx"
    path.write_bytes(workbook(city))
    call_command("import_registry", str(path), stdout=io.StringIO())


def by_bulk_update_with_history(staff, city):
    city.latitude = "11.55005"
    bulk_update_with_history([city], City, ["latitude"])


def by_import_ending_a_tenure(staff, officer):
    """A new CSCO's import ends the tenure of the one before: a bulk update of that officer."""
    data = csv_bytes([["name", "city", "start_date"], ["Sok Dara", "Phnom Penh", "2024-01-15"]])
    preview = admin_preview(staff["alice"], "officer", "officers.csv", data, "csv")
    assert admin_confirm(staff["alice"], "officer", preview).status_code == 302
    officer.refresh_from_db()
    assert officer.end_date == datetime.date(2024, 1, 14)


WRITE_PATHS = {
    "admin change form": (city_record, by_admin_change_form),
    "admin revert": (changed_city_record, by_admin_revert),
    "admin import (preview, confirm)": (city_record, by_admin_import),
    "manage.py import": (city_record, by_manage_py_import),
    "admin workbook import": (city_record, by_admin_workbook_import),
    "manage.py import_registry": (city_record, by_manage_py_import_registry),
    "bulk_update_with_history": (city_record, by_bulk_update_with_history),
    "import ending a CSCO's tenure": (csco_record, by_import_ending_a_tenure),
}


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_a_form_opened_before_any_write_path_gets_the_conflict_message(staff, path):
    make_record, write = WRITE_PATHS[path]
    record = make_record()
    opened = staff["bob"].get(change_url(record))
    assert opened.status_code == 200
    stale = posted_back(opened)
    stale["name"] = "Stale edit"
    opened_version = record.version

    write(staff, record)
    after_write = type(record).objects.get(pk=record.pk)
    assert after_write.version > opened_version

    refused = staff["bob"].post(change_url(record), stale)
    assert refused.status_code == 200, "the stale form must not be accepted"
    errors = [str(e) for e in refused.context["adminform"].form.non_field_errors()]
    assert "Someone else saved this" in errors[0]
    now = type(record).objects.get(pk=record.pk)
    assert now.name != "Stale edit"
    assert now.version == after_write.version


def test_a_revert_is_counted_from_the_current_version_not_the_old_one(staff):
    city = changed_city_record()
    snapshot = reverted_to(city)
    by_admin_revert(staff, city)
    city.refresh_from_db()
    # The snapshot, the change, then the revert: two saves after the snapshot's.
    assert city.version == snapshot.version + 2
    assert city.history.latest().version == city.version


def test_a_form_opened_before_an_admin_delete_action_is_told_the_record_is_gone(staff):
    city = factories.city()
    stale = posted_back(staff["bob"].get(change_url(city)))
    response = staff["alice"].post(
        reverse("admin:registry_city_changelist"),
        {"action": "delete_selected", "_selected_action": [city.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not City.objects.filter(pk=city.pk).exists()
    refused = staff["bob"].post(change_url(city), stale)
    # The change view of a deleted record redirects to the changelist, saving nothing.
    assert refused.status_code == 302
    assert not City.objects.filter(pk=city.pk).exists()
