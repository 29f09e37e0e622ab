"""Findable: sitemap.xml with lastmod from the change history, robots.txt, the pages'
alternate links to their downloads, and OpenGraph."""

import datetime
import re
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry.models import Agreement, City, DataVersion, MemberState, Officer

from . import factories

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def fresh_pages():
    caches[settings.REGISTRY_PAGE_CACHE].clear()


def sitemap_entries(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    # Django writes lastmod as a day (W3C Datetime allows it), in the site's time zone.
    return {
        url.find("sm:loc", NS).text: datetime.date.fromisoformat(url.find("sm:lastmod", NS).text)
        for url in root.findall("sm:url", NS)
    }


def day_of(moment):
    return timezone.localtime(moment).date()


def test_the_sitemap_lists_every_city_state_agreement_and_list_with_lastmod(founding, client):
    entries = sitemap_entries(client)
    expected = {
        *(f"http://testserver{city.get_absolute_url()}" for city in City.objects.all()),
        *(f"http://testserver{state.get_absolute_url()}" for state in MemberState.objects.all()),
        *(f"http://testserver{a.get_absolute_url()}" for a in Agreement.objects.all()),
        *(
            f"http://testserver{path}"
            for path in (
                "/",
                "/member-states/",
                "/cities/",
                "/officers/",
                "/agreements/",
                "/sources/",
                "/changes/",
                "/data/",
            )
        ),
    }
    assert set(entries) == expected
    assert City.objects.count() == 26


def test_a_record_without_history_takes_the_registrys_last_change(founding, client):
    # Fixtures write no history.
    changed_at = DataVersion.current().changed_at
    entries = sitemap_entries(client)
    assert entries["http://testserver/cities/bangkok/"] == day_of(changed_at)


def test_a_citys_lastmod_is_its_last_recorded_change_or_its_officers(founding, client):
    from registry.models import Agreement, MemberState, Network, Organisation, Source

    # The baselines written when the founding data was loaded, long before these changes.
    founded = timezone.make_aware(datetime.datetime(2018, 1, 1, 12))
    for model in (Network, MemberState, City, Officer, Agreement, Organisation, Source):
        model.history.update(history_date=founded)
    bangkok = City.objects.get(slug="bangkok")
    bangkok.name = "Bangkok (Krung Thep)"
    bangkok.save()
    # Moved into the past, so that each page's day differs from today's changes.
    city_change = timezone.make_aware(datetime.datetime(2024, 5, 1, 12))
    bangkok.history.update(history_date=city_change)
    hanoi = City.objects.get(slug="hanoi")
    factories.officer(city=hanoi, name="A New Officer")
    officer_change = timezone.make_aware(datetime.datetime(2025, 3, 1, 12))
    Officer.history.filter(city_id=hanoi.pk).update(history_date=officer_change)
    # A change today, to a record neither city's page shows.
    factories.source(title="Later source")

    entries = sitemap_entries(client)
    assert entries["http://testserver/cities/bangkok/"] == datetime.date(2024, 5, 1)
    assert entries["http://testserver/cities/hanoi/"] == datetime.date(2025, 3, 1)
    # A member state's page shows its cities' officers; the officers' list shows them all.
    state = hanoi.member_state.get_absolute_url()
    assert entries[f"http://testserver{state}"] == datetime.date(2025, 3, 1)
    assert entries["http://testserver/officers/"] == datetime.date(2025, 3, 1)
    assert entries["http://testserver/sources/"] == timezone.localdate()
    assert entries["http://testserver/"] == timezone.localdate()


def test_robots_txt_allows_the_public_site_disallows_the_admin_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Allow: /" in lines
    assert f"Disallow: /{settings.ADMIN_URL}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def alternates(page):
    return re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)"', page)


MEDIA_TYPES = {
    "text/csv",
    "application/json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@pytest.mark.parametrize(
    "path",
    [
        "/member-states/",
        "/cities/?member_state=th",
        "/officers/?current=all",
        "/agreements/",
        "/sources/",
        "/cities/bangkok/",
        "/member-states/thailand/",
    ],
)
def test_lists_and_records_link_to_their_downloads_which_answer(founding, client, path):
    links = alternates(client.get(path).content.decode())
    assert {media_type for media_type, _ in links} == MEDIA_TYPES
    for media_type, href in links:
        response = client.get(href.replace("&amp;", "&"))
        assert response.status_code == 200, href
        assert response["Content-Type"].split(";")[0] == media_type, href


def test_a_lists_alternate_links_keep_its_filters_and_day(founding, client):
    links = alternates(
        client.get("/cities/?member_state=th&as_of=2018-07-08&page=1").content.decode()
    )
    # The page's known parameters, in name order (the page cache's normalised query).
    assert ("text/csv", "/cities/?as_of=2018-07-08&amp;member_state=th&amp;format=csv") in links


def test_a_citys_alternate_links_download_its_officers_past_and_present(founding, client):
    links = dict(alternates(client.get("/cities/bangkok/").content.decode()))
    assert links["text/csv"] == "/officers/?city=bangkok&amp;current=all&amp;format=csv"
    rows = b"".join(client.get(links["text/csv"].replace("&amp;", "&")).streaming_content)
    assert rows.count(b"\n") - 1 == Officer.objects.filter(city__slug="bangkok").count()


def test_an_invalid_list_links_to_no_downloads(founding, client):
    assert alternates(client.get("/cities/?member_state=zz").content.decode()) == []


def test_pages_carry_opengraph_title_description_and_url(founding, client):
    page = client.get("/cities/bangkok/").content.decode()
    assert '<meta property="og:title" content="Bangkok, Thailand">' in page
    description = re.search(r'<meta name="description" content="([^"]+)"', page).group(1)
    assert f'<meta property="og:description" content="{description}">' in page
    assert '<meta property="og:url" content="http://testserver/cities/bangkok/">' in page


def test_opengraph_text_is_escaped_once(founding, client):
    factories.city(name="Tom & Jerry", slug="tom-and-jerry")
    page = client.get("/cities/tom-and-jerry/").content.decode()
    assert '<meta property="og:title" content="Tom &amp; Jerry, ' in page


def test_the_sitemap_runs_as_many_queries_for_many_records_as_for_few(founding, client):
    with CaptureQueriesContext(connection) as few:
        client.get("/sitemap.xml")
    for index in range(30):
        factories.officer(city=factories.city(name=f"Extra {index}", slug=f"extra-{index}"))
    with CaptureQueriesContext(connection) as many:
        assert client.get("/sitemap.xml").status_code == 200
    assert len(many) == len(few)
