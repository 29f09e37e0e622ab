"""
The admin's member-state scoping, beyond the permission table of tests/test_permissions.py.

A member-state editor's choices, autocomplete, inlines, bulk deletes and reverts
(MemberStateScopedMixin and EditableChoicesSearchMixin in registry/staff/options.py).
"""

import pytest
from django.urls import reverse

from registry.models import City, Officer

from ..member_state_world import form_data, url

pytestmark = pytest.mark.django_db


def test_posting_another_states_id_is_a_validation_error(world, state_client):
    template = world.record(City, "own")
    data = form_data(template, name="Smuggled", slug="smuggled", member_state=world.other_state.pk)
    del data["version"]
    response = state_client.post(url(City, "add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "member_state" in errors and "valid choice" in str(errors["member_state"])
    assert not City.objects.filter(name="Smuggled").exists()

    # Moving an own city to another state is refused the same way.
    city = world.record(City, "own")
    response = state_client.post(
        url(City, "change", city.pk), form_data(city, member_state=world.other_state.pk)
    )
    assert "member_state" in response.context["adminform"].form.errors
    city.refresh_from_db()
    assert city.member_state == world.own_state


def test_an_officer_can_be_given_only_a_city_of_the_editors_states(world, state_client):
    officer = world.record(Officer, "own")
    other_city = world.record(City, "other")
    response = state_client.post(
        url(Officer, "change", officer.pk), form_data(officer, city=other_city.pk)
    )
    assert "city" in response.context["adminform"].form.errors
    officer.refresh_from_db()
    assert officer.city.member_state == world.own_state


def autocomplete(client, model_name, field_name):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "registry", "model_name": model_name, "field_name": field_name},
    )
    assert response.status_code == 200
    return {row["text"] for row in response.json()["results"]}


def test_autocomplete_offers_only_the_editors_states_and_cities(world, state_client):
    own_city = world.record(City, "own")
    other_city = world.record(City, "other")
    assert autocomplete(state_client, "city", "member_state") == {world.own_state.name}
    assert autocomplete(state_client, "officer", "city") == {own_city.name}

    editor = world.client("editor")
    assert {world.own_state.name, world.other_state.name} <= autocomplete(
        editor, "city", "member_state"
    )
    assert {own_city.name, other_city.name} <= autocomplete(editor, "officer", "city")


def test_officers_inline_is_editable_only_under_an_own_city(world, state_client):
    own_city = world.record(City, "own")
    other_city = world.record(City, "other")
    page = state_client.get(url(City, "change", own_city.pk))
    assert page.context["inline_admin_formsets"][0].has_add_permission
    page = state_client.get(url(City, "change", other_city.pk))
    assert b'name="_save"' not in page.content
    assert not page.context["inline_admin_formsets"][0].has_add_permission

    data = form_data(own_city)
    data.update(
        {
            "officers-TOTAL_FORMS": "1",
            "officers-0-city": own_city.pk,
            "officers-0-name": "Inline Officer",
            "officers-0-role": "csco",
        }
    )
    assert state_client.post(url(City, "change", own_city.pk), data).status_code == 302
    assert own_city.officers.filter(name="Inline Officer").exists()


def test_a_bulk_delete_touching_another_state_deletes_nothing(world, state_client):
    own_city = world.record(City, "own")
    other_city = world.record(City, "other")
    response = state_client.post(
        url(City, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [own_city.pk, other_city.pk],
            "post": "yes",
        },
    )
    assert response.status_code in (200, 403)
    assert City.objects.filter(pk__in=[own_city.pk, other_city.pk]).count() == 2


def test_reverting_to_a_version_in_another_state_is_refused(world):
    editor = world.client("editor")
    city = world.record(City, "own")
    editor.post(url(City, "change", city.pk), form_data(city, member_state=world.other_state.pk))
    in_other_state = city.history.latest()
    city.refresh_from_db()
    editor.post(url(City, "change", city.pk), form_data(city, member_state=world.own_state.pk))
    city.refresh_from_db()
    assert city.member_state == world.own_state

    state_client = world.client("state_editor_own")
    revert_url = reverse("admin:registry_city_simple_history", args=[city.pk, in_other_state.pk])
    response = state_client.post(
        revert_url, form_data(in_other_state.instance, version=city.version)
    )
    assert response.status_code == 200
    assert "member_state" in response.context["adminform"].form.errors
    city.refresh_from_db()
    assert city.member_state == world.own_state
