"""Officer.search_text, the folded text the officer searches match: kept current by every write."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from registry.models import MemberState, Officer
from registry.spreadsheets.officers import OfficerResource

from .. import factories
from ..spreadsheet_files import csv_bytes, read_back

pytestmark = pytest.mark.django_db


def found(text):
    return set(Officer.objects.search(text).values_list("name", flat=True))


def import_officers(rows):
    result = OfficerResource().import_data(read_back(csv_bytes(rows), "csv"))
    assert not result.refused, result.report()


def test_save_stores_the_folded_name_and_designation():
    officer = factories.officer(name="Nguyễn Văn Đức", designation="Giám đốc Sở")
    assert officer.search_text == "nguyen van duc\ngiam doc so"
    officer.refresh_from_db()
    assert officer.search_text == "nguyen van duc\ngiam doc so"


def test_a_renamed_officer_is_found_by_the_new_name_only():
    officer = factories.officer(name="Old Name")
    officer.name = "Trần Thị Hà"
    officer.save(update_fields=["name"])
    assert found("tran ha") == {"Trần Thị Hà"}
    assert found("old") == set()


def test_no_match_spans_the_name_and_the_designation():
    factories.officer(name="Ana Lim", designation="Mayor")
    assert found("lim mayor") == {"Ana Lim"}  # two words, one in each
    assert found("limmayor") == set()


def test_fixtures_loaded_raw_are_searchable(founding):
    # loaddata saves raw, past Officer.save(); the founding officers come from a fixture.
    assert Officer.objects.filter(search_text="").count() == 0
    assert found("dewan bandaraya") == {"Stanley Chong Hon Chung", "Tantinny Fung Chew Li"}


def test_imported_rows_new_and_changed_get_their_search_text(founding):
    import_officers([["name", "city", "designation"], ["Phạm Minh", "Yangon", "Thư ký"]])
    assert found("pham thu ky") == {"Phạm Minh"}
    import_officers([["name", "city", "designation"], ["Phạm Minh", "Yangon", "Chủ tịch"]])
    assert found("chu tich") == {"Phạm Minh"}
    assert found("thu ky") == set()


def test_the_search_matches_city_and_member_state_names_by_their_own_folding(founding):
    viet_nam = MemberState.objects.get(code="VN")
    hue = factories.city(member_state=viet_nam, name="Thành phố Huế", slug="hue")
    factories.officer(name="Lê Văn A", city=hue)
    assert "Lê Văn A" in found("hue")
    assert "Lê Văn A" in found("VIỆT nam")  # the city's member state
    assert found("hue le") == {"Lê Văn A"}


def test_the_migration_fills_the_same_text_as_save(founding):
    factories.officer(name="Đặng Thùy Trâm", designation="Bác sĩ")
    expected = dict(Officer.objects.values_list("pk", "search_text"))
    Officer.objects.update(search_text="")
    migration = importlib.import_module("registry.migrations.0007_officer_search_text")
    migration.fill_search_text(apps, SimpleNamespace(connection=connection))
    assert dict(Officer.objects.values_list("pk", "search_text")) == expected
