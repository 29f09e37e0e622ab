"""The Frictionless Data Package: `frictionless validate` reads it and the live downloads."""

import copy
import datetime
import json
import urllib.request

import pytest
from django.core.management import call_command
from frictionless import Package

from registry.models import Agreement, City, MemberState, Officer
from tests import factories

# The live server reads committed rows; serialized_rollback restores the migrations' rows.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def registry_url(live_server):
    """The founding registry with the cells it leaves blank filled somewhere: an amount, a
    past tenure with dates, a verified state and a state's National Representative."""
    call_command("loaddata", "founding_2018", verbosity=0)
    thailand = MemberState.objects.get(code="TH")
    thailand.last_verified = datetime.date(2026, 1, 5)
    thailand.save()
    factories.agreement(title="A funded study", amount="1250000.50", currency="AUD")
    factories.officer(
        name="Past Officer",
        city=City.objects.get(slug="bangkok"),
        start_date=datetime.date(2018, 4, 1),
        end_date=datetime.date(2020, 1, 31),
    )
    factories.officer(name="A Representative", member_state=thailand)
    return live_server.url


def descriptor(url):
    with urllib.request.urlopen(url + "/data/datapackage.json") as response:
        return json.load(response)


def errors_of(report):
    return [error for task in report.tasks for error in task.errors] + list(report.errors)


def test_the_data_package_and_every_live_download_are_valid(registry_url):
    package = descriptor(registry_url)
    report = Package(package).validate()
    assert report.valid, [error.message for error in errors_of(report)]
    assert {task.name for task in report.tasks} == {
        "member-states",
        "cities",
        "officers",
        "agreements",
        "sources",
    }
    # Every row was read against its schema: none skipped.
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["officers"] == Officer.objects.count()
    assert rows["agreements"] == Agreement.objects.count()


def test_a_column_empty_in_every_row_still_has_its_declared_type(registry_url):
    package = descriptor(registry_url)
    cities = next(r for r in package["resources"] if r["name"] == "cities")
    fields = {field["name"]: field for field in cities["schema"]["fields"]}
    # No founding city was verified or has an action plan address.
    assert not City.objects.exclude(last_verified=None).exists()
    assert fields["last_verified"]["type"] == "date"
    assert fields["action_plan_url"]["format"] == "uri"
    assert all(field["type"] in ("string", "number", "date") for field in fields.values())


def test_a_schema_that_disagrees_with_a_download_is_reported_as_a_type_error(registry_url):
    package = copy.deepcopy(descriptor(registry_url))
    cities = next(r for r in package["resources"] if r["name"] == "cities")
    name = next(field for field in cities["schema"]["fields"] if field["name"] == "name")
    name["type"] = "integer"
    name.pop("example", None)
    report = Package(package).validate()
    assert not report.valid
    assert "type-error" in {error.type for error in errors_of(report)}


def test_a_reference_to_a_member_state_not_in_its_file_is_reported(registry_url):
    package = copy.deepcopy(descriptor(registry_url))
    officers = next(r for r in package["resources"] if r["name"] == "officers")
    # Point the officers' member_state key at the sources' titles: no code is a title.
    officers["schema"]["foreignKeys"][0]["reference"] = {
        "resource": "sources",
        "fields": ["title"],
    }
    report = Package(package).validate()
    assert "foreign-key" in {error.type for error in errors_of(report)}
