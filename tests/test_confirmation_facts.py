"""What the public pages and data health say of confirmations: "Confirmed by <state>, <date>
(<round>)" once a return is accepted, "Not confirmed in the <round>" once a round is past its
due date without an answer for the record, and nothing more than that."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from registry import confirmation
from registry.confirmation import Answer
from registry.models import City, MemberState, Officer, ReturnItem
from registry.spreadsheets.resources import CityResource, MemberStateResource, OfficerResource
from registry.staff import health

from . import factories
from .conftest import make_staff
from .spreadsheet_files import import_file

Action = ReturnItem.Action
TODAY = timezone.localdate


@pytest.fixture
def round_world(db):
    state = factories.member_state(name="Thailand", code="XT")
    answered = factories.city(member_state=state, name="Answered city")
    silent = factories.city(member_state=state, name="Silent city")
    csco = factories.officer(city=answered, name="Predecessor")
    quiet_csco = factories.officer(city=silent, name="Quiet officer")
    other_state = factories.member_state(name="Laos", code="XL")
    elsewhere = factories.city(member_state=other_state, name="Not in the round")
    secretariat = make_staff("secretariat", "Secretariat editor")
    reviewer = make_staff("reviewer", "Secretariat editor")
    due = TODAY() + datetime.timedelta(days=10)
    round_ = confirmation.open_round("2027 annual confirmation", due, secretariat, [state])
    ret = round_.returns.get()
    answers = {
        confirmation.record_key(state): Answer(Action.CONFIRM),
        confirmation.record_key(answered): Answer(Action.CONFIRM),
        confirmation.record_key(csco): Answer(
            Action.HANDOVER,
            {"name": "Successor", "designation": ""},
            effective_date=TODAY() - datetime.timedelta(days=3),
        ),
    }
    confirmation.save_answers(ret, answers, secretariat)
    confirmation.submit(ret, secretariat)
    confirmation.accept(ret.pk, reviewer)
    return {
        "state": state,
        "answered": answered,
        "silent": silent,
        "quiet_csco": quiet_csco,
        "successor": Officer.objects.get(name="Successor"),
        "elsewhere": elsewhere,
        "round": round_,
    }


def page(record):
    response = Client().get(record.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_an_accepted_answer_says_who_confirmed_it_when_and_in_which_round(round_world):
    expected = f"Confirmed by Thailand, {date_format(TODAY())} (2027 annual confirmation)."
    assert expected in page(round_world["answered"])
    assert expected in page(round_world["state"])
    officers = Client().get(reverse("registry:officer-list") + "?q=Successor").content.decode()
    # The successor a handover created was answered for by no one: it cites the confirmation
    # as its source, and claims no confirmation of its own.
    assert "Confirmation by Thailand, 2027 annual confirmation" in officers
    assert "Confirmed by" not in officers
    # A record the state did not answer claims no confirmation, and none is claimed before
    # the due date has passed.
    silent = page(round_world["silent"])
    assert "Confirmed by" not in silent and "Not confirmed" not in silent


def test_a_record_left_unanswered_past_the_due_date_is_not_confirmed(round_world):
    after_due = round_world["round"].due_date + datetime.timedelta(days=1)
    states = MemberState.objects.with_confirmation(after_due)
    cities = City.objects.with_confirmation(after_due)
    officers = Officer.objects.with_confirmation(after_due)
    assert states.get(pk=round_world["state"].pk).unconfirmed_in is None
    assert cities.get(pk=round_world["answered"].pk).unconfirmed_in is None
    assert cities.get(pk=round_world["silent"].pk).unconfirmed_in == "2027 annual confirmation"
    quiet = officers.get(pk=round_world["quiet_csco"].pk)
    assert quiet.unconfirmed_in == "2027 annual confirmation"
    # The successor was verified the day it was accepted; a city outside the round is not
    # in it at all; an ended tenure has nothing to confirm.
    assert officers.get(pk=round_world["successor"].pk).unconfirmed_in is None
    assert cities.get(pk=round_world["elsewhere"].pk).unconfirmed_in is None
    assert officers.get(name="Predecessor").unconfirmed_in is None


def test_the_page_of_an_unconfirmed_record_says_so_and_data_health_lists_it(round_world):
    round_ = round_world["round"]
    round_.due_date = TODAY() - datetime.timedelta(days=1)
    round_.created -= datetime.timedelta(days=30)
    round_.save()
    assert "Not confirmed in the 2027 annual confirmation" in page(round_world["silent"])
    assert "Not confirmed" not in page(round_world["answered"])
    found = {
        (check.model, record.pk)
        for check in health.checks()
        if check.title == "Not confirmed"
        for record in check.queryset
    }
    assert found == {
        (City, round_world["silent"].pk),
        (Officer, round_world["quiet_csco"].pk),
    }


def test_a_staff_verification_after_the_round_opened_supersedes_the_miss(round_world):
    round_ = round_world["round"]
    round_.due_date = TODAY() - datetime.timedelta(days=1)
    round_.created -= datetime.timedelta(days=30)
    round_.save()
    silent = round_world["silent"]
    for record in (silent, round_world["quiet_csco"]):
        record.last_verified = TODAY() - datetime.timedelta(days=2)
        record.save()
    assert City.objects.with_confirmation().get(pk=silent.pk).unconfirmed_in is None
    assert "Not confirmed" not in page(silent)


def test_a_page_of_another_day_claims_no_confirmation(round_world):
    response = Client().get(round_world["answered"].get_absolute_url() + "?as_of=2019-01-01")
    assert response.status_code == 200
    assert "Confirmed by" not in response.content.decode()


def test_the_city_list_costs_the_same_queries_with_many_confirmed_cities(round_world):
    url = reverse("registry:city-list")
    client = Client()
    client.get(url)  # warm what is kept per process (content types, the data version)

    def queries():
        # A first render after a write, as a reader meets it: nothing kept for this version.
        factories.city(member_state=round_world["state"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"page": "1"}).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    state = round_world["state"]
    for n in range(20):
        factories.city(member_state=state, name=f"More {n}")
    assert queries() == few


def download(path, file_format, **params):
    response = Client().get(reverse(path), {"format": file_format, **params})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def test_the_downloads_carry_the_confirmation_as_the_pages_say_it(round_world):
    rows = {
        row["name"]: row
        for row in csv.DictReader(io.StringIO(download("registry:city-list", "csv")))
    }
    assert rows["Answered city"]["confirmed_on"] == TODAY().isoformat()
    assert rows["Answered city"]["confirmed_in_round"] == "2027 annual confirmation"
    assert rows["Silent city"]["confirmed_on"] == ""
    states = json.loads(download("registry:member-state-list", "json"))
    (thailand,) = [state for state in states if state["code"] == "XT"]
    assert thailand["confirmed_in_round"] == "2027 annual confirmation"
    assert thailand["not_confirmed_in_round"] in ("", None)

    round_ = round_world["round"]
    round_.due_date = TODAY() - datetime.timedelta(days=1)
    round_.created -= datetime.timedelta(days=30)
    round_.save()
    officers = {
        row["name"]: row
        for row in csv.DictReader(
            io.StringIO(download("registry:officer-list", "csv", current="all"))
        )
    }
    assert officers["Quiet officer"]["not_confirmed_in_round"] == "2027 annual confirmation"
    assert officers["Predecessor"]["not_confirmed_in_round"] == ""


def test_the_confirmation_columns_are_ignored_when_a_download_is_imported_back(round_world):
    rows = list(csv.DictReader(io.StringIO(download("registry:city-list", "csv"))))
    # Only the export-only columns change; the sources column must still name real sources.
    for row in rows:
        row["confirmed_on"] = "1999-01-01"
        row["confirmed_in_round"] = "a round that never was"
        row["not_confirmed_in_round"] = "another round"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    text = out.getvalue()
    before = {c.pk: (c.version, c.last_verified) for c in City.objects.all()}
    result = import_file(CityResource, text.encode(), "csv")
    assert not result.has_errors() and not result.has_validation_errors()
    assert {c.pk: (c.version, c.last_verified) for c in City.objects.all()} == before
    for resource in (CityResource, MemberStateResource, OfficerResource):
        assert not {"confirmed_on", "confirmed_in_round"} & set(resource.columns())


def popolo():
    response = Client().get(reverse("registry:popolo"))
    assert response.status_code == 200
    return json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )


def test_popolo_carries_the_confirmation_of_states_cities_and_tenures(round_world):
    round_ = round_world["round"]
    round_.due_date = TODAY() - datetime.timedelta(days=1)
    round_.created -= datetime.timedelta(days=30)
    round_.save()
    data = popolo()
    organizations = {org["name"]: org for org in data["organizations"]}
    for name in ("Thailand", "Answered city"):
        assert organizations[name]["confirmed_on"] == TODAY().isoformat()
        assert organizations[name]["confirmed_in_round"] == "2027 annual confirmation"
        assert organizations[name]["memberships"][0]["confirmed_in_round"] == (
            "2027 annual confirmation"
        )
    silent = organizations["Silent city"]
    assert silent["confirmed_on"] is None
    assert silent["not_confirmed_in_round"] == "2027 annual confirmation"
    assert organizations["Not in the round"]["not_confirmed_in_round"] is None
    persons = {person["id"]: person["name"] for person in data["persons"]}
    tenures = {persons[m["person_id"]]: m for m in data["memberships"]}
    assert tenures["Quiet officer"]["not_confirmed_in_round"] == "2027 annual confirmation"
    assert tenures["Predecessor"]["not_confirmed_in_round"] is None  # ended: nothing to confirm
    assert tenures["Successor"]["not_confirmed_in_round"] is None
