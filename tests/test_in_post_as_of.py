"""Pages that claim no more than the evidence: an open tenure is "in post as of" its latest
evidence (OfficerQuerySet.with_in_post_as_of), on the pages, in the downloads and in Popolo."""

import csv
import datetime
import io
import json

import pytest
from django.conf import settings
from django.core.cache import caches
from django.urls import reverse

from registry.models import Officer
from registry.spreadsheets.officers import OfficerResource

from . import factories
from .spreadsheet_files import count_queries, import_file

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def fresh_pages():
    caches[settings.REGISTRY_PAGE_CACHE].clear()


@pytest.fixture
def tenures():
    """Open tenures with each kind of evidence, and one that ended."""
    city = factories.city(name="Evidenceville", slug="evidenceville")
    old = factories.source(published_on=D(2018, 7, 8), retrieved_on=D(2024, 1, 1))
    newer = factories.source(published_on=D(2020, 3, 1))
    undated_page = factories.source(published_on=None, retrieved_on=D(2022, 5, 5))
    verified = factories.officer(city=city, name="Verified", last_verified=D(2025, 2, 3))
    verified.sources.set([old, newer])
    sourced = factories.officer(city=city, name="Sourced", start_date=D(2018, 1, 1))
    sourced.sources.set([old, newer])
    retrieved = factories.officer(city=city, name="Retrieved")
    retrieved.sources.set([undated_page])
    nothing = factories.officer(city=city, name="Nothing")
    ended = factories.officer(
        city=city,
        name="Ended",
        start_date=D(2016, 1, 1),
        end_date=D(2017, 1, 1),
        last_verified=D(2025, 1, 1),
    )
    return {
        "city": city,
        "verified": verified,
        "sourced": sourced,
        "retrieved": retrieved,
        "nothing": nothing,
        "ended": ended,
    }


def test_the_date_is_the_verification_else_the_latest_source_else_none(tenures):
    days = dict(Officer.objects.with_in_post_as_of().values_list("name", "in_post_as_of"))
    assert days["Verified"] == D(2025, 2, 3)
    # The latest publication date: a 2018 document retrieved in 2024 speaks for 2018.
    assert days["Sourced"] == D(2020, 3, 1)
    # An undated web page speaks for the day it was read.
    assert days["Retrieved"] == D(2022, 5, 5)
    assert days["Nothing"] is None
    # An ended tenure claims no "in post" at all.
    assert days["Ended"] is None


def test_the_city_page_says_in_post_as_of_and_never_plainly_in_post(client, tenures):
    html = client.get(tenures["city"].get_absolute_url()).content.decode()
    assert "last recorded in post" in html
    assert "in post as of 3 February 2025" in html
    assert "in post as of 1 March 2020" in html
    assert "in post as of 5 May 2022" in html
    assert "in post as of: date not recorded" in html
    assert "In post since" not in html
    assert " now</h2>" not in html


def test_the_officer_list_heading_and_tenures_claim_only_the_evidence(client, tenures):
    html = client.get(reverse("registry:officer-list")).content.decode()
    assert (
        "<h1>Officers last recorded in post</h1>" in html
        or "Officers last recorded in post" in html
    )
    assert "in post as of 1 March 2020" in html
    assert "in post as of: date not recorded" in html
    assert "– in post<" not in html and "In post, dates not recorded" not in html


def test_the_member_state_pages_show_the_representatives_as_of_their_evidence(client):
    state = factories.member_state()
    factories.officer(member_state=state, name="Rep", last_verified=D(2024, 6, 1))
    factories.city(member_state=state)
    detail = client.get(state.get_absolute_url()).content.decode()
    assert "National Representative last recorded in post" in detail
    assert "in post as of 1 June 2024" in detail
    listing = client.get(reverse("registry:member-state-list")).content.decode()
    assert "in post as of 1 June 2024" in listing


def test_the_city_list_shows_its_cscos_as_of_their_evidence(client, tenures):
    html = client.get(reverse("registry:city-list")).content.decode()
    assert "in post as of 3 February 2025" in html


def officer_rows(client, file_format):
    response = client.get(
        reverse("registry:officer-list"), {"format": file_format, "current": "all"}
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_csv_and_json_downloads_carry_the_same_date(client, tenures):
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(officer_rows(client, "csv")))}
    assert rows["Verified"]["in_post_as_of"] == "2025-02-03"
    assert rows["Sourced"]["in_post_as_of"] == "2020-03-01"
    assert rows["Nothing"]["in_post_as_of"] == ""
    assert rows["Ended"]["in_post_as_of"] == ""
    records = {record["name"]: record for record in json.loads(officer_rows(client, "json"))}
    assert records["Retrieved"]["in_post_as_of"] == "2022-05-05"
    assert records["Ended"]["in_post_as_of"] is None  # as JSON writes every empty date


def test_the_export_only_column_is_ignored_when_a_download_is_imported_back(client, tenures):
    text = officer_rows(client, "csv")
    # Whatever the column holds, the import neither fails nor stores it.
    text = text.replace("2020-03-01", "not a date")
    before = {o.pk: (o.version, o.last_verified) for o in Officer.objects.all()}
    result = import_file(OfficerResource, text.encode(), "csv")
    assert not result.has_errors() and not result.has_validation_errors()
    after = {o.pk: (o.version, o.last_verified) for o in Officer.objects.all()}
    assert after == before
    assert "in_post_as_of" not in OfficerResource.columns()


def test_popolo_memberships_carry_the_date_and_no_end_date_is_invented(client, tenures):
    data = client.get(reverse("registry:popolo")).json()
    names = {person["id"]: person["name"].lower() for person in data["persons"]}
    memberships = {names[m["person_id"]]: m for m in data["memberships"] if "person_id" in m}
    assert memberships["sourced"]["in_post_as_of"] == "2020-03-01"
    assert memberships["nothing"]["in_post_as_of"] is None
    assert memberships["sourced"]["end_date"] is None
    assert "in_post_as_of" not in memberships["ended"]


def officer_page_queries(client, path):
    caches[settings.REGISTRY_PAGE_CACHE].clear()
    caches[settings.REGISTRY_DATA_CACHE].clear()
    return len(count_queries(lambda: client.get(path)))


def add_officers(city, count):
    sources = [factories.source(published_on=D(2019, 1, n + 1)) for n in range(2)]
    for _n in range(count):
        officer = factories.officer(city=city)
        officer.sources.set(sources)
    factories.officer(member_state=city.member_state).sources.set(sources)


@pytest.mark.parametrize("page", ["city", "state", "officers", "cities", "states"])
def test_the_as_of_date_costs_the_same_queries_for_2_and_20_officers(client, page):
    city = factories.city()
    paths = {
        "city": city.get_absolute_url(),
        "state": city.member_state.get_absolute_url(),
        "officers": reverse("registry:officer-list"),
        "cities": reverse("registry:city-list"),
        "states": reverse("registry:member-state-list"),
    }
    add_officers(city, 2)
    few = officer_page_queries(client, paths[page])
    add_officers(city, 18)
    many = officer_page_queries(client, paths[page])
    assert few == many
