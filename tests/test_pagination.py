import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import MemberState, Officer
from registry.pagination import MAX_PAGE_NUMBER, LargeTablePaginator, PageCountPaginator

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


# The count on the page's query ---------------------------------------------------------------


@pytest.fixture
def five_officers():
    city = factories.city()
    for name in "ABCDE":
        factories.officer(name=name, city=city)
    return Officer.objects.filter(city=city).order_by("name")


def test_a_page_and_its_count_come_from_one_query(five_officers, django_assert_num_queries):
    paginator = PageCountPaginator(five_officers, 2)
    with django_assert_num_queries(1):
        page = paginator.page(2)
        assert [o.name for o in page] == ["C", "D"]
        assert (paginator.count, paginator.num_pages) == (5, 3)
        assert (page.start_index(), page.end_index(), page.has_next()) == (3, 4, True)


def test_the_last_page_takes_the_orphans(five_officers, django_assert_num_queries):
    paginator = PageCountPaginator(five_officers, 2, orphans=1)
    with django_assert_num_queries(1):
        page = paginator.page(2)
        assert [o.name for o in page] == ["C", "D", "E"]
        assert paginator.num_pages == 2 and not page.has_next()
    with django_assert_num_queries(1):
        assert [o.name for o in PageCountPaginator(five_officers, 2, orphans=1).page(1)] == [
            "A",
            "B",
        ]


def test_an_empty_list_has_one_empty_page(five_officers, django_assert_num_queries):
    paginator = PageCountPaginator(five_officers.none(), 2)
    page = paginator.page(1)
    assert list(page) == [] and paginator.count == 0
    empty = PageCountPaginator(Officer.objects.filter(name="nobody"), 2)
    with django_assert_num_queries(1):
        assert list(empty.page(1)) == [] and empty.count == 0


def test_pages_out_of_range_are_refused_as_by_django(five_officers):
    with pytest.raises(EmptyPage):
        PageCountPaginator(five_officers, 2).page(4)  # counted apart, to say so
    with pytest.raises(EmptyPage):
        PageCountPaginator(five_officers, 2).page(0)
    with pytest.raises(PageNotAnInteger):
        PageCountPaginator(five_officers, 2).page("x")
    assert [o.name for o in PageCountPaginator(five_officers, 2).page("3")] == ["E"]


def test_a_grouped_queryset_counts_its_groups(founding):
    states = MemberState.objects.with_city_counts().order_by("name")
    paginator = PageCountPaginator(states, 3)
    page = paginator.page(1)
    assert paginator.count == MemberState.objects.count() == 10
    assert [s.city_count for s in page] == [s.city_count for s in states[:3]]


@on_postgresql
def test_an_estimated_table_is_not_counted_on_its_page(three_officers):
    analyze_officers()

    class EstimateAlwaysWithCount(PageCountPaginator):
        estimate_above = 0

    paginator = EstimateAlwaysWithCount(Officer.objects.order_by("name"), 2)
    with CaptureQueriesContext(connection) as queries:
        assert [o.name for o in paginator.page(1)] == ["A", "B"]
    assert paginator.estimate == 3
    assert counts_run(queries) == []


@pytest.mark.parametrize("path", ["/member-states/", "/cities/", "/officers/", "/agreements/"])
@pytest.mark.parametrize(
    "page",
    ["99999999999999999999999", "-99999999999999999999", str(10**9 + 1), "١", "１", " 1", "1_0"],
)
def test_any_page_number_on_any_list_is_a_404_with_a_message(founding, client, path, page):
    client.raise_request_exception = False
    response = client.get(path, {"page": page})
    assert response.status_code == 404, page
    assert "There is no page" in response.content.decode()
    assert "ASCN Registry" in response.content.decode()  # in the site's frame


def test_a_page_number_past_the_database_range_is_an_empty_page(five_officers):
    for paginator_class in (PageCountPaginator, LargeTablePaginator):
        paginator = paginator_class(Officer.objects.order_by("pk"), 2)
        with pytest.raises(EmptyPage):
            paginator.page(MAX_PAGE_NUMBER + 1)
        with pytest.raises(EmptyPage):
            paginator.page(10**23)
