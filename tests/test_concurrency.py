"""Two staff members editing the same record: the second save is refused, never lost."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from registry.history import recorded_as
from registry.models import City, Officer

from . import factories
from .conftest import make_staff
from .test_history import city_form_data

pytestmark = pytest.mark.django_db


def change_url(obj):
    return reverse(f"admin:registry_{obj._meta.model_name}_change", args=[obj.pk])


def opened_form(client, obj):
    """What a browser posts back: the form's initial data as it was rendered."""
    response = client.get(change_url(obj))
    assert response.status_code == 200
    return response.context["adminform"].form.initial["version"]


@pytest.fixture
def two_editors(db):
    first, second = Client(), Client()
    first.force_login(make_staff("alice", "Secretariat editor"))
    second.force_login(make_staff("bob", "Secretariat editor"))
    return first, second


def conflict_errors(response):
    assert response.status_code == 200, "the second save must not be accepted"
    return [str(error) for error in response.context["adminform"].form.non_field_errors()]


def test_the_second_save_gets_a_conflict_listing_what_changed(two_editors):
    alice, bob = two_editors
    city = factories.city(name="Vientiane", latitude="17.97500", longitude="102.63300")
    with recorded_as(reason="created"):
        city.save()  # a snapshot of the version both editors open
    city.refresh_from_db()
    version = opened_form(alice, city)
    assert opened_form(bob, city) == version

    saved = alice.post(
        change_url(city), city_form_data(city, latitude="17.96667", version=version)
    )
    assert saved.status_code == 302
    refused = bob.post(change_url(city), city_form_data(city, name="Viangchan", version=version))

    errors = conflict_errors(refused)
    assert "Someone else saved this city (by alice" in errors[0]
    assert "your changes were not saved" in errors[0]
    assert errors[1:] == [
        "Latitude: now “17.96667”, was “17.97500” when you opened it; you entered “17.97500”."
    ]
    city.refresh_from_db()
    assert (city.name, str(city.latitude)) == ("Vientiane", "17.96667")
    # Submitting the same stale form again is refused again.
    again = bob.post(change_url(city), city_form_data(city, name="Viangchan", version=version))
    assert conflict_errors(again)
    city.refresh_from_db()
    assert city.name == "Vientiane"


def test_a_conflict_without_an_earlier_snapshot_lists_where_the_form_differs(two_editors):
    alice, bob = two_editors
    city = factories.city(name="Luang Prabang")
    City.history.filter(id=city.pk).delete()  # as for records loaded from a fixture
    version = opened_form(bob, city)
    city.name = "Louangphabang"
    city.save()

    refused = bob.post(
        change_url(city), city_form_data(city, name="Luang Prabang", version=version)
    )
    errors = conflict_errors(refused)
    assert errors[1:] == ["Name: now “Louangphabang”; you entered “Luang Prabang”."]


def test_a_record_deleted_meanwhile_is_reported(two_editors):
    alice, bob = two_editors
    city = factories.city()
    version = opened_form(bob, city)
    data = city_form_data(city, version=version)
    url = change_url(city)
    City.objects.filter(pk=city.pk).update(version=version + 1)  # changed, then...
    response = bob.post(url, data)
    assert "Someone else saved this city" in conflict_errors(response)[0]


def test_an_edited_inline_row_conflicts_with_its_own_page(two_editors):
    alice, bob = two_editors
    city = factories.city()
    officer = factories.officer(city=city, name="Ada Officer")
    officer_version = officer.version
    # Alice renames the officer on the officer's own page...
    officer.designation = "Director"
    officer.save()
    # ...while Bob edits the same officer in the city's inline, opened before.
    data = city_form_data(city)
    data.update(
        {
            "officers-TOTAL_FORMS": "1",
            "officers-INITIAL_FORMS": "1",
            "officers-0-id": officer.pk,
            "officers-0-city": city.pk,
            "officers-0-name": "Ada Officer",
            "officers-0-designation": "Deputy",
            "officers-0-role": "csco",
            "officers-0-version": officer_version,
        }
    )
    response = bob.post(change_url(city), data)
    assert response.status_code == 200
    inline_errors = str(response.context["inline_admin_formsets"][0].formset.errors)
    assert "Someone else saved this officer" in inline_errors
    officer.refresh_from_db()
    assert officer.designation == "Director"


def test_an_unchanged_inline_row_does_not_conflict(two_editors):
    alice, bob = two_editors
    city = factories.city()
    officer = factories.officer(city=city, name="Ada Officer")
    stale_version = officer.version
    source = factories.source()
    officer.save()  # changed elsewhere, in a field the inline does not show
    officer.sources.add(source)
    data = city_form_data(city, name="Renamed city")
    data.update(
        {
            "officers-TOTAL_FORMS": "1",
            "officers-INITIAL_FORMS": "1",
            "officers-0-id": officer.pk,
            "officers-0-city": city.pk,
            "officers-0-name": officer.name,
            "officers-0-designation": "",
            "officers-0-role": "csco",
            "officers-0-version": stale_version,
        }
    )
    assert bob.post(change_url(city), data).status_code == 302
    assert City.objects.get(pk=city.pk).name == "Renamed city"
    assert list(officer.sources.all()) == [source]
    officer.refresh_from_db()
    assert officer.version == stale_version + 1


def wait_until(condition, timeout=20):
    """Poll `condition` (a database query) until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")


# serialized_rollback: the groups made by the migrations are back for this test, and are not
# recreated over the next transactional test's own copy.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_a_save_waits_for_the_other_then_conflicts():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs row locks seen from a second connection: SQLite has no SELECT ... FOR "
            "UPDATE, and its test database is in memory, private to one connection"
        )
    city = factories.city(name="Yangon")
    bob = Client()
    bob.force_login(make_staff("bob", "Secretariat editor"))
    version = opened_form(bob, city)
    data = city_form_data(city, name="Rangoon", version=version)

    alice_holds_the_row = threading.Event()
    alice_may_commit = threading.Event()
    bob_response = {}

    def alice_saves():
        # Alice's save, paused between locking the row and committing.
        try:
            with transaction.atomic():
                mine = City.objects.select_for_update().get(pk=city.pk)
                alice_holds_the_row.set()
                alice_may_commit.wait(timeout=30)
                mine.latitude, mine.longitude = "16.86600", "96.19500"
                mine.save()
        finally:
            connections.close_all()

    def bob_saves():
        try:
            bob_response["response"] = bob.post(change_url(city), data)
        finally:
            connections.close_all()

    alice_thread = threading.Thread(target=alice_saves)
    alice_thread.start()
    assert alice_holds_the_row.wait(timeout=30)
    bob_thread = threading.Thread(target=bob_saves)
    bob_thread.start()

    def bob_is_waiting_for_the_lock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0] == 1

    wait_until(bob_is_waiting_for_the_lock)
    alice_may_commit.set()
    alice_thread.join(timeout=30)
    bob_thread.join(timeout=30)
    assert not bob_thread.is_alive()

    errors = conflict_errors(bob_response["response"])
    assert "Someone else saved this city" in errors[0]
    city.refresh_from_db()
    assert (city.name, str(city.latitude)) == ("Yangon", "16.86600")
    assert Officer.objects.count() == 0
