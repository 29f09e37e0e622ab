"""Every record has a baseline in its history, however it was written, so that its first change
shows the old value and can be reverted."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from registry.history import BASELINE_REASON, write_baselines
from registry.models import City, Officer

from .registry_states import REGISTRY_MODELS
from .test_history import admin_url, city_form_data

pytestmark = pytest.mark.django_db


def records_without_history():
    return {
        model.__name__: model.objects.exclude(pk__in=model.history.values("id")).count()
        for model in REGISTRY_MODELS
    }


def test_loaddata_leaves_every_fixture_record_with_a_baseline(founding):
    assert set(records_without_history().values()) == {0}
    for model in REGISTRY_MODELS:
        records = model.history.all()
        assert {(r.history_type, r.history_change_reason) for r in records} == {
            ("+", BASELINE_REASON)
        }
        assert records.count() == model.objects.count()


def test_a_baseline_keeps_the_many_to_many_rows(founding):
    city = City.objects.filter(sources__isnull=False).first()
    baseline = city.history.earliest()
    assert {row.source_id for row in baseline.sources.all()} == set(
        city.sources.values_list("pk", flat=True)
    )


def test_a_fixture_record_changed_in_the_admin_shows_old_and_new_and_reverts(
    founding, editor_client
):
    city = City.objects.get(name="Phnom Penh")
    founding_latitude = city.latitude
    response = editor_client.post(
        admin_url(City, "change", city.pk), city_form_data(city, latitude="11.60000")
    )
    assert response.status_code == 302
    change = city.history.latest()
    delta = change.diff_against(change.prev_record, excluded_fields=["version"])
    assert [(c.field, c.old, str(c.new)) for c in delta.changes] == [
        ("latitude", founding_latitude, "11.60000")
    ]
    baseline = city.history.earliest()
    assert baseline.history_change_reason == BASELINE_REASON
    city.refresh_from_db()
    revert_url = reverse("admin:registry_city_simple_history", args=[city.pk, baseline.pk])
    response = editor_client.post(
        revert_url, city_form_data(city, latitude=baseline.latitude, version=city.version)
    )
    assert response.status_code == 302
    city.refresh_from_db()
    assert city.latitude == founding_latitude


def test_records_written_without_django_get_baselines_once(founding):
    # As COPY or SQL by hand would: a row with no historical record.
    city = City.objects.get(name="Phnom Penh")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_officer (name, designation, role, city_id, search_text, "
            "version) VALUES (%s, '', 'csco', %s, '', 1)",
            ["Written By Hand", city.pk],
        )
    assert records_without_history()["Officer"] == 1
    assert write_baselines() == {"Officer": 1}
    assert write_baselines() == {}
    record = Officer.objects.get(name="Written By Hand").history.get()
    assert (record.history_type, record.name) == ("+", "Written By Hand")


def test_the_baseline_command_and_migration_fill_in_what_is_missing(founding, capsys):
    Officer.history.all().delete()
    call_command("baseline_history")
    assert f"Officer: {Officer.objects.count()} baseline(s)" in capsys.readouterr().out
    City.history.all().delete()
    migration = importlib.import_module("registry.migrations.0010_history_baselines")
    migration.write_baselines(apps, connection.schema_editor())
    assert set(records_without_history().values()) == {0}
