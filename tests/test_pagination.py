import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import Officer
from registry.pagination import LargeTablePaginator

from . import factories

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the row estimate is PostgreSQL's"
)


class EstimateAlways(LargeTablePaginator):
    estimate_above = 0


@pytest.fixture
def three_officers():
    city = factories.city()
    for name in ("A", "B", "C"):
        factories.officer(name=name, city=city)


def analyze_officers():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_officer")


def counts_run(queries):
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


@on_postgresql
def test_unfiltered_large_table_is_estimated_without_count(three_officers):
    analyze_officers()
    paginator = EstimateAlways(Officer.objects.with_posts(), 2)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 3  # ANALYZE of a small table sees every row
        assert paginator.num_pages == 2
    assert counts_run(queries) == []
    assert len(queries) == 1


@on_postgresql
def test_filtered_list_is_counted_exactly(three_officers):
    analyze_officers()
    paginator = EstimateAlways(Officer.objects.filter(name__in=["A", "B"]), 50)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 2
    assert len(counts_run(queries)) == 1


def test_table_below_the_threshold_is_counted_exactly(three_officers):
    if connection.vendor == "postgresql":
        analyze_officers()
    with CaptureQueriesContext(connection) as queries:
        assert LargeTablePaginator(Officer.objects.all(), 50).count == 3
    assert len(counts_run(queries)) == 1


def test_lists_and_distinct_querysets_are_counted_exactly(three_officers):
    assert EstimateAlways(["x", "y"], 1).count == 2
    assert EstimateAlways(Officer.objects.values("city").distinct(), 10).count == 1


def test_admin_changelist_pages_with_the_large_table_paginator(founding, superuser, client):
    client.force_login(superuser)
    response = client.get("/admin/registry/officer/")
    assert response.status_code == 200
    assert isinstance(response.context["cl"].paginator, LargeTablePaginator)
    assert response.context["cl"].result_count == Officer.objects.count()


@on_postgresql
def test_public_list_says_about_when_its_count_is_estimated(founding, client, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "estimate_above", 0)
    analyze_officers()
    total = Officer.objects.count()
    response = client.get("/officers/", {"current": "all"})
    assert response.status_code == 200
    assert f"About {total} tenures" in response.content.decode()
    # The default list (current holders) is filtered: counted exactly.
    current = Officer.objects.current().count()
    text = client.get("/officers/").content.decode()
    assert f">{current} tenures" in text and "About" not in text


def test_public_list_count_is_exact_below_the_threshold(founding, client):
    text = client.get("/officers/", {"current": "all"}).content.decode()
    assert f">{Officer.objects.count()} tenures" in text
    assert "About" not in text
