"""The backup documented in the README restores the same registry, history included."""

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse

from registry.history import BASELINE_REASON, recorded_as
from registry.models import (
    Agreement,
    City,
    MemberState,
    MemberStateEditor,
    Network,
    Officer,
    Organisation,
    Source,
)
from registry.spreadsheets.files import read_workbook
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.workbook import export_workbook

from .spreadsheet_files import csv_bytes, read_back

REGISTRY_MODELS = [Network, MemberState, City, Officer, Agreement, Source, Organisation]
# The README's full backup: everything but what `migrate` recreates and transient state.
FULL_BACKUP_EXCLUDES = ["contenttypes", "auth.permission", "sessions", "axes"]


def registry_snapshot():
    """Every registry row and every historical row, with primary keys, as plain values."""
    data = {}
    for model in [*REGISTRY_MODELS, MemberStateEditor]:
        data[model.__name__] = sorted(
            tuple(str(value) for value in row) for row in model.objects.values_list()
        )
        history = model.history.model
        data[history.__name__] = sorted(
            (
                row.id,
                row.history_id,
                row.history_type,
                row.history_user.username if row.history_user_id else None,
                row.history_change_reason,
                row.version if hasattr(row, "version") else None,
                sorted(
                    values
                    for field in row._history_m2m_fields
                    for values in getattr(row, field.name).values_list()
                ),
            )
            for row in history.objects.select_related("history_user")
        )
    data["groups"] = sorted(
        (group.name, sorted(group.permissions.values_list("codename", flat=True)))
        for group in Group.objects.all()
    )
    return data


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_full_backup_restores_the_registry_and_its_history(tmp_path, client):
    call_command("loaddata", "founding_2018", verbosity=0)
    editor = User.objects.create_user("editor", password="pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="Secretariat editor"))
    with recorded_as(user=editor, reason="a week of edits"):
        city = City.objects.get(name="Phnom Penh")
        city.latitude, city.longitude = "11.60000", "104.90000"
        city.save()
        city.sources.add(Source.objects.first())
        Officer.objects.filter(name="Seng Vannak").delete()
        MemberStateEditor.objects.create(user=editor, member_state=city.member_state)
    before = registry_snapshot()
    assert len(before["HistoricalCity"]) >= 2

    backup = tmp_path / "backup.json"
    call_command(
        "dumpdata",
        natural_foreign=True,
        exclude=FULL_BACKUP_EXCLUDES,
        output=str(backup),
        verbosity=0,
    )
    call_command("flush", interactive=False, verbosity=0)
    assert City.objects.count() == 0 and City.history.count() == 0

    call_command("loaddata", str(backup), verbosity=0)
    assert registry_snapshot() == before

    # The restored history is the same history: its page shows the week's changes.
    client.force_login(User.objects.get(username="editor"))
    city = City.objects.get(name="Phnom Penh")
    page = client.get(reverse("admin:registry_city_history", args=[city.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "a week of edits" in html and "Sources:" in html


@pytest.mark.django_db
def test_loading_a_fixture_writes_only_its_baselines():
    call_command("loaddata", "founding_2018", verbosity=0)
    for model in REGISTRY_MODELS:
        kinds = set(model.history.values_list("history_type", "history_change_reason"))
        assert kinds == {("+", BASELINE_REASON)}, model.__name__
        assert model.history.count() == model.objects.count(), model.__name__


# The README's registry dump and workbook, each restored into an emptied database.
REGISTRY_DUMP = [
    "registry.network",
    "registry.source",
    "registry.organisation",
    "registry.memberstate",
    "registry.city",
    "registry.officer",
    "registry.agreement",
]


def registry_workbook():
    """The whole registry as export_registry writes it: every record by natural key."""
    return {name: sheet.dict for name, sheet in read_workbook(export_workbook("xlsx")).items()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_registry_dump_and_workbook_each_restore_the_same_registry(tmp_path):
    call_command("loaddata", "founding_2018", verbosity=0)
    rows = [["name", "city", "start_date"], ["Sok Dara", "Phnom Penh", "2024-01-15"]]
    OfficerResource().import_data(read_back(csv_bytes(rows), "csv"), file_name="o.csv")
    before = registry_workbook()
    workbook, dump = tmp_path / "registry.xlsx", tmp_path / "registry.json"
    call_command("export_registry", str(workbook), stderr=io.StringIO())
    call_command(
        "dumpdata", *REGISTRY_DUMP, natural_foreign=True, natural_primary=True, output=str(dump)
    )

    call_command("flush", interactive=False, verbosity=0)
    assert all(model.objects.count() == 0 for model in REGISTRY_MODELS)
    call_command("loaddata", str(dump), verbosity=0)
    assert registry_workbook() == before

    call_command("flush", interactive=False, verbosity=0)
    call_command("import_registry", str(workbook), stdout=io.StringIO())
    assert registry_workbook() == before
