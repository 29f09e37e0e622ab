"""
Who may do what in the admin: one table, every cell checked by a real request.

Rows are roles (a member-state editor appears twice: acting on a record of their own state and
of another state); columns are actions. Each action is a function below that tries the action
and reports whether it happened; to add a column, add a function to ACTIONS and a column to
EXPECTED. "import" uploads, previews and confirms a spreadsheet that changes the record through
the admin; "export" downloads the changelist as CSV.
"""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from registry import permissions
from registry.models import (
    Agreement,
    City,
    MemberState,
    Network,
    Officer,
    Organisation,
    Source,
)
from registry.spreadsheets.downloads import export_bytes
from registry.spreadsheets.resources import RESOURCES

from .conftest import make_staff
from .member_state_world import World, form_data, url
from .spreadsheet_files import (
    admin_confirm,
    admin_preview,
    csv_bytes,
    read_back,
    registry_state,
)

pytestmark = pytest.mark.django_db

MODELS = [Network, MemberState, City, Officer, Agreement, Source, Organisation]
SCOPED = {City, Officer}

# y: allowed; .: refused, and nothing changed. "scoped" are City and Officer; "others" the rest.
EXPECTED = """
role                models   list view add change delete history revert import export
anonymous           all      .    .    .   .      .      .       .      .      .
viewer              all      y    y    .   .      .      y       .      .      y
editor              all      y    y    y   y      y      y       y      y      y
superuser           all      y    y    y   y      y      y       y      y      y
state_editor_own    scoped   y    y    y   y      y      y       y      y      y
state_editor_own    others   y    y    .   .      .      y       .      .      y
state_editor_other  scoped   y    y    .   .      .      y       .      .      y
state_editor_other  others   y    y    .   .      .      y       .      .      y
"""


def parse_expected(table):
    header, *rows = [line.split() for line in table.strip().splitlines()]
    actions = header[2:]
    cells = {}
    for role, models, *marks in rows:
        assert len(marks) == len(actions), role
        chosen = {"all": MODELS, "scoped": SCOPED, "others": set(MODELS) - SCOPED}[models]
        for model in chosen:
            cells[role, model] = dict(zip(actions, (mark == "y" for mark in marks), strict=True))
    return actions, cells


ACTION_NAMES, CELLS = parse_expected(EXPECTED)
ROLES = sorted({role for role, _model in CELLS}, key=EXPECTED.index)


# The world (tests/member_state_world.py), and what the table's actions add and import.

NEW_VALUES = {
    Network: {"name": "Added network", "slug": "added-network"},
    MemberState: {"name": "Added state", "code": "ZZ", "code_alpha3": "ZZZ", "slug": "zz"},
    City: {"name": "Added city", "slug": "added-city"},
    Officer: {"name": "Added officer"},
    Agreement: {"title": "Added agreement", "slug": "added-agreement", "kind": "other"},
    Source: {"title": "Added source", "slug": "added-source"},
    Organisation: {"name": "Added organisation", "slug": "added-organisation"},
}


RESOURCE_OF = {resource._meta.model: resource for resource in RESOURCES}
# What can_import changes: a column that is no part of the record's natural key.
IMPORTED_CHANGE = {Source: ("publisher", "Changed by import")}


def label_field(model):
    return "title" if model in (Agreement, Source) else "name"


def page_allowed(response):
    if response.status_code == 200:
        return True
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("admin:login"))
    return False


def write_status_is_sane(response):
    # Refused writes answer 403, a redirect to log in, or the form with its errors.
    assert response.status_code in (200, 302, 403), response.status_code


# The actions: each tries one thing and says whether it was done.


def can_list(world, client, model, side):
    return page_allowed(client.get(url(model, "changelist")))


def can_view(world, client, model, side):
    record = world.record(model, side)
    return page_allowed(client.get(url(model, "change", record.pk)))


def can_see_history(world, client, model, side):
    record = world.record(model, side)
    return page_allowed(client.get(url(model, "history", record.pk)))


def can_add(world, client, model, side):
    template = world.record(model, side)
    values = NEW_VALUES[model]
    data = form_data(template, **values)
    del data["version"]
    write_status_is_sane(client.post(url(model, "add"), data))
    key = label_field(model)
    return model.objects.filter(**{key: values[key]}).exists()


def can_change(world, client, model, side):
    record = world.record(model, side)
    key = label_field(model)
    write_status_is_sane(
        client.post(url(model, "change", record.pk), form_data(record, **{key: "Changed"}))
    )
    record.refresh_from_db()
    return getattr(record, key) == "Changed"


def can_delete(world, client, model, side):
    record = world.record(model, side)
    write_status_is_sane(client.post(url(model, "delete", record.pk), {"post": "yes"}))
    return not model.objects.filter(pk=record.pk).exists()


def can_revert(world, client, model, side):
    record = world.record(model, side)
    key = label_field(model)
    original = getattr(record, key)
    first = record.history.latest()
    setattr(record, key, "Changed meanwhile")
    record.save()
    old = first.instance
    data = form_data(old, version=record.version)
    revert_url = reverse(
        f"admin:registry_{model._meta.model_name}_simple_history", args=[record.pk, first.pk]
    )
    write_status_is_sane(client.post(revert_url, data))
    record.refresh_from_db()
    return getattr(record, key) == original


def can_import(world, client, model, side):
    """Change the record with a spreadsheet: upload, preview, confirm."""
    record = world.record(model, side)
    column, value = IMPORTED_CHANGE.get(model, ("last_verified", "2020-02-02"))
    exported = read_back(export_bytes(model.objects.filter(pk=record.pk), "csv"), "csv")
    row = {**exported.dict[0], column: value}
    data = csv_bytes([list(row), list(row.values())])
    preview = admin_preview(client, model._meta.model_name, "change.csv", data, "csv")
    if not page_allowed(preview):
        return False
    if "confirm_form" in preview.context:
        write_status_is_sane(admin_confirm(client, model._meta.model_name, preview))
    else:
        # Refused: the preview says why, row by row.
        assert "nothing was imported" in preview.content.decode()
    record.refresh_from_db()
    return str(getattr(record, column)) == value


def can_export(world, client, model, side):
    record = world.record(model, side)
    if not page_allowed(client.get(url(model, "export"))):
        return False
    resource = RESOURCE_OF[model]
    columns = {f"{resource.__name__.lower()}_{column}": "on" for column in resource.columns()}
    response = client.post(url(model, "export"), {"format": "0", "resource": "0", **columns})
    assert response.status_code == 200
    return getattr(record, label_field(model)) in response.content.decode()


ACTIONS = {
    "list": can_list,
    "view": can_view,
    "add": can_add,
    "change": can_change,
    "delete": can_delete,
    "history": can_see_history,
    "revert": can_revert,
    "import": can_import,
    "export": can_export,
}


def test_every_column_of_the_table_is_an_action():
    assert set(ACTION_NAMES) == set(ACTIONS)
    assert len(CELLS) == len(ROLES) * len(MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@pytest.mark.parametrize("role", ROLES)
def test_permission_table(role, model):
    world = World()
    client = world.client(role)
    side = {"state_editor_own": "own", "state_editor_other": "other"}.get(role)
    actual = {name: ACTIONS[name](world, client, model, side) for name in ACTION_NAMES}
    assert actual == CELLS[role, model]


def test_can_edit_state_answers_per_member_state():
    world = World()
    editor = make_staff("editor", "Secretariat editor")
    assert permissions.can_edit_state(world.state_editor, world.own_state)
    assert permissions.can_edit_state(world.state_editor, world.own_state.pk)
    assert not permissions.can_edit_state(world.state_editor, world.other_state)
    assert not permissions.can_edit_state(world.state_editor, None)
    assert permissions.can_edit_state(editor, world.other_state)


def test_a_member_state_editor_without_a_state_may_change_nothing():
    world = World()
    lonely = make_staff("lonely", permissions.MEMBER_STATE_EDITOR_GROUP)
    assert permissions.editable_state_ids(lonely) == frozenset()
    assert not permissions.can_edit_state(lonely, world.own_state)
    client = Client()
    client.force_login(lonely)
    assert client.get(url(City, "add")).status_code == 403
    assert client.get(url(City, "changelist")).status_code == 200


def test_the_member_state_editor_group_is_created_by_the_migrations():
    group = Group.objects.get(name=permissions.MEMBER_STATE_EDITOR_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {
        "add_city",
        "change_officer",
        "delete_city",
        "import_city",
        "import_officer",
    } <= codenames
    assert {"view_agreement", "export_source"} <= codenames
    assert not {"change_memberstate", "add_agreement", "delete_network"} & codenames
    # Spreadsheet imports of cities and officers only.
    assert {code for code in codenames if code.startswith("import_")} == {
        "import_city",
        "import_officer",
    }


# The member-state editor and spreadsheet imports.


def test_a_member_state_editor_imports_cities_and_officers_of_their_state(world, state_client):
    city = world.record(City, "own")
    rows = [["name", "member_state", "latitude", "longitude"], ["Imported", world.own_state.code]]
    rows[1] += ["2.5", "104.5"]
    preview = admin_preview(state_client, "city", "mine.csv", csv_bytes(rows), "csv")
    admin_confirm(state_client, "city", preview)
    imported = City.objects.get(name="Imported")
    assert imported.history.get().history_user == world.state_editor

    rows = [["name", "city", "member_state", "start_date"]]
    rows.append(["New Officer", city.name, world.own_state.code, "2024-01-15"])
    preview = admin_preview(state_client, "officer", "officers.csv", csv_bytes(rows), "csv")
    admin_confirm(state_client, "officer", preview)
    assert Officer.objects.get(name="New Officer").city == city


@pytest.mark.parametrize("model_name", ["city", "officer"])
def test_one_row_of_another_state_refuses_the_whole_file(world, state_client, model_name):
    own_city = world.record(City, "own")
    other_city = world.record(City, "other")
    if model_name == "city":
        rows = [
            ["name", "member_state"],
            ["Mine", world.own_state.code],
            ["Theirs", world.other_state.code],
        ]
    else:
        rows = [
            ["name", "city", "member_state"],
            ["Mine", own_city.name, world.own_state.code],
            ["Theirs", other_city.name, world.other_state.code],
        ]
    before = registry_state()
    preview = admin_preview(state_client, model_name, "mixed.csv", csv_bytes(rows), "csv")
    assert preview.status_code == 200
    assert "confirm_form" not in preview.context
    [problem] = preview.context["result"].problems
    assert problem.line == 3
    assert problem.message == (
        f"You may import only the records of your own member states; this "
        f"{model_name} is in {world.other_state.name}."
    )
    assert registry_state() == before

    # The same file through code, as the user: refused the same way, nothing written.
    resource = RESOURCE_OF[City if model_name == "city" else Officer]
    result = resource().import_data(
        read_back(csv_bytes(rows), "csv"), user=world.state_editor, file_name="mixed.csv"
    )
    assert result.refused and [p.line for p in result.problems] == [3]
    assert registry_state() == before


def test_a_member_state_editor_is_offered_import_only_for_cities_and_officers(world, state_client):
    for model in MODELS:
        page = state_client.get(url(model, "changelist")).content.decode()
        offered = url(model, "import") in page
        assert offered == (model in SCOPED), model
        assert url(model, "export") in page
    assert state_client.get(reverse("admin:registry_workbook_import")).status_code == 403
    index = state_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:registry_workbook_export") in index
    assert reverse("admin:registry_workbook_import") not in index

    # Code that imports as the user checks the same permission.
    rows = [["title", "publisher"], ["A source", "Someone"]]
    result = RESOURCE_OF[Source]().import_data(
        read_back(csv_bytes(rows), "csv"), user=world.state_editor
    )
    assert [p.message for p in result.problems] == ["You may not import sources."]
    assert not Source.objects.filter(title="A source").exists()


def test_a_member_state_editor_without_a_state_is_offered_no_import(world):
    lonely = make_staff("lonely", permissions.MEMBER_STATE_EDITOR_GROUP)
    client = Client()
    client.force_login(lonely)
    page = client.get(url(City, "changelist")).content.decode()
    assert url(City, "import") not in page
    assert client.get(url(City, "import")).status_code == 403
