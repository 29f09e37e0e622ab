import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.models import Agreement, City, MemberState, Officer
from registry.staff import health

from .. import factories

pytestmark = pytest.mark.django_db


def counts(today=None):
    return {check.label: count for check, count in health.summary(today)}


def test_each_check_finds_what_needs_attention(founding):
    today = timezone.localdate()
    thailand = MemberState.objects.get(code="TH")
    recent = today - datetime.timedelta(days=30)
    long_ago = today - datetime.timedelta(days=2 * 365 + 1)
    fresh = factories.city(member_state=thailand, name="Fresh", last_verified=recent)
    old = factories.city(member_state=thailand, name="Old", last_verified=long_ago)
    factories.officer(city=fresh, name="Current CSCO", last_verified=recent)
    past = factories.officer(city=old, name="Past CSCO", end_date=recent)
    mapless = factories.city(member_state=thailand, latitude=None, longitude=None)

    stale_cities = set(City.objects.stale(today))
    assert old in stale_cities and fresh not in stale_cities
    assert set(City.objects.without_current_csco()) >= {old, mapless}
    assert fresh not in City.objects.without_current_csco()
    assert list(City.objects.without_coordinates()) == [mapless]
    assert past in Officer.objects.without_sources()
    cited = Officer.objects.exclude(sources=None).first()
    assert cited not in Officer.objects.without_sources()

    found = counts(today)
    assert found["Without coordinates: cities"] == 1
    assert found["Past their review date: cities"] == City.objects.count() - 1
    assert found["Citing no source: agreements"] == Agreement.objects.filter(sources=None).count()


def test_the_stale_query_agrees_with_is_stale():
    today = datetime.date(2026, 1, 1)
    for days in (0, 729, 730, 731, 800):
        factories.city(last_verified=today - datetime.timedelta(days=days))
    factories.city(last_verified=None)
    stale = set(City.objects.stale(today))
    assert stale == {city for city in City.objects.all() if city.is_stale(today)}
    assert len(stale) == 3


def test_the_page_links_every_entry_to_its_change_form(founding, viewer_client):
    mapless = factories.city(
        member_state=MemberState.objects.get(code="VN"),
        name="Hoi An",
        latitude=None,
        longitude=None,
    )
    response = viewer_client.get(reverse("admin:data-health"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("admin:registry_city_change", args=[mapless.pk]) in html
    officer = Officer.objects.first()
    assert reverse("admin:registry_officer_change", args=[officer.pk]) in html
    assert "Without coordinates: cities: 1" in html


def test_the_admin_index_shows_the_counts(founding, viewer_client):
    response = viewer_client.get(reverse("admin:index"))
    html = response.content.decode()
    assert 'id="data-health-module"' in html
    label = "Past their review date: member states"
    assert label in html
    shown = {check.label: count for check, count in response.context["data_health"]}
    assert shown[label] == MemberState.objects.count()


def test_staff_without_registry_permissions_see_no_health(client, db):
    from ..conftest import make_staff

    client.force_login(make_staff("nobody"))
    assert "data_health" not in client.get(reverse("admin:index")).context
    assert client.get(reverse("admin:data-health")).status_code == 403


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_index_and_page_queries_do_not_grow_with_the_registry(founding, viewer_client):
    index, page = reverse("admin:index"), reverse("admin:data-health")
    small = count_queries(viewer_client, index), count_queries(viewer_client, page)
    state = MemberState.objects.get(code="TH")
    for n in range(150):
        city = factories.city(member_state=state, name=f"Extra {n}", latitude=None, longitude=None)
        factories.officer(city=city, end_date=datetime.date(2020, 1, 1))
    large = count_queries(viewer_client, index), count_queries(viewer_client, page)
    assert large == small
    html = viewer_client.get(page).content.decode()
    assert f"The first {health.LISTED_PER_CHECK} are listed." in html
