"""A state says a city is no longer a pilot city: once accepted, the city's last day is
recorded, its CSCO's tenure ends with it, the public pages and files say so, and later rounds
no longer ask about it."""

import csv
import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry import confirmation
from registry.models import City, ReturnItem
from registry.spreadsheets.resources import CityResource

from .. import factories
from ..conftest import make_staff
from ..spreadsheet_files import import_file
from .test_rounds import accept_all, logged_in, prefix, return_form_data, state_editor

Action = ReturnItem.Action
LAST_DAY = datetime.date(2026, 6, 30)


@pytest.fixture
def leaving(db):
    network = factories.network()
    thailand = factories.member_state(network=network, name="Thailand", code="XT")
    staying = factories.city(member_state=thailand, name="Bangkok")
    leaving = factories.city(
        member_state=thailand, name="Phuket", pilot_since=datetime.date(2018, 4, 1)
    )
    csco = factories.officer(
        city=leaving, name="Phuket CSCO", start_date=datetime.date(2019, 1, 1)
    )
    editor = state_editor("thai", thailand)
    secretariat = make_staff("secretariat", "Secretariat editor")
    round_ = confirmation.open_round("2027 round", timezone.localdate(), secretariat, [thailand])
    ret = round_.returns.get()
    client = logged_in(editor)
    data = return_form_data(client, ret)
    choices = dict(
        client.get(ret.get_absolute_url()).context["sections"][2][1][0].fields["action"].choices
    )
    data[f"{prefix(leaving)}-action"] = "end"
    data[f"{prefix(leaving)}-effective_date"] = LAST_DAY.isoformat()
    data[f"{prefix(leaving)}-source_note"] = "Letter of the ministry"
    response = client.post(ret.get_absolute_url(), {**data, "submit": "1"})
    assert response.status_code == 302, response.content.decode()
    review_url = reverse("admin:registry_confirmationround_review", args=[ret.pk])
    ret.refresh_from_db()
    assert logged_in(secretariat).post(review_url, accept_all(ret)).status_code == 302
    return {
        "state": thailand,
        "staying": staying,
        "leaving": City.objects.get(pk=leaving.pk),
        "csco": csco,
        "secretariat": secretariat,
        "choices": choices,
    }


def test_the_return_offers_no_longer_a_pilot_city_for_a_city(leaving):
    assert leaving["choices"]["end"] == "no longer a pilot city"


def test_the_city_keeps_its_last_day_and_its_csco_leaves_with_it(leaving):
    city = leaving["leaving"]
    assert city.pilot_until == LAST_DAY
    assert city.last_verified == timezone.localdate()
    leaving["csco"].refresh_from_db()
    assert leaving["csco"].end_date == LAST_DAY
    assert "Confirmation by Thailand, 2027 round" in [
        s.title for s in leaving["csco"].sources.all()
    ]


def test_the_public_pages_and_files_say_the_city_left(leaving):
    client = Client()
    city = leaving["leaving"]
    page = client.get(city.get_absolute_url()).content.decode()
    assert "Pilot city until" in page and "is no longer a pilot city" in page
    listed = client.get(reverse("registry:city-list")).content.decode()
    assert "until 30 June 2026" in listed
    download = client.get(reverse("registry:city-list"), {"format": "csv"})
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["Phuket"]["pilot_until"] == "2026-06-30" and rows["Bangkok"]["pilot_until"] == ""
    response = client.get(reverse("registry:popolo"))
    popolo = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    (phuket,) = [org for org in popolo["organizations"] if org["name"] == "Phuket"]
    assert phuket["memberships"][0]["end_date"] == "2026-06-30"


def test_a_page_of_a_day_before_the_city_left_lists_it_and_one_after_does_not(leaving):
    client = Client()
    url = reverse("registry:city-list")
    before = client.get(url, {"as_of": "2026-06-30"}).content.decode()
    after = client.get(url, {"as_of": "2026-07-01"}).content.decode()
    assert "Phuket" in before and "Phuket" not in after
    assert "Bangkok" in after


def test_a_later_round_no_longer_asks_about_the_city(leaving):
    round_ = confirmation.open_round(
        "2028 round", timezone.localdate(), leaving["secretariat"], [leaving["state"]]
    )
    ret = round_.returns.with_progress().get()
    keys = set(confirmation.records_by_key(ret))
    assert confirmation.record_key(leaving["leaving"]) not in keys
    assert confirmation.record_key(leaving["staying"]) in keys
    assert ret.record_count == 2  # Thailand and Bangkok


def test_a_city_cannot_leave_before_it_joined(db):
    city = factories.city(pilot_since=datetime.date(2018, 4, 1))
    city.pilot_until = datetime.date(2018, 3, 31)
    with pytest.raises(ValidationError, match="before it joined"):
        city.full_clean(exclude=["sources"])
    text = (
        "name,member_state,pilot_since,pilot_until\n"
        f"{city.name},{city.member_state.code},2018-04-01,2018-03-31\n"
    )
    result = import_file(CityResource, text.encode(), "csv")
    assert result.has_validation_errors()
    city.refresh_from_db()
    assert city.pilot_until is None
