"""The public pages: content against the founding data, as_of, 404s, escaping, query counts."""

import datetime
import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.public_pages import PAGES, add_cities
from registry.models import (
    Agreement,
    City,
    MemberState,
    Officer,
    Source,
    touch_registry,
)

from . import factories

pytestmark = pytest.mark.django_db


def text_of(response):
    """The page's text without tags, with runs of white space as one space."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# Pages and their content --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [
        ("home", {}, "/"),
        ("member-state-list", {}, "/member-states/"),
        ("member-state-detail", {"slug": "thailand"}, "/member-states/thailand/"),
        ("city-list", {}, "/cities/"),
        ("city-detail", {"slug": "bangkok"}, "/cities/bangkok/"),
        ("officer-list", {}, "/officers/"),
        ("agreement-list", {}, "/agreements/"),
        ("agreement-detail", {"slug": "mou-jetro-undp"}, "/agreements/mou-jetro-undp/"),
        ("source-list", {}, "/sources/"),
        ("change-list", {}, "/changes/"),
        ("change-feed", {}, "/changes/feed/"),
        ("popolo", {}, "/data/popolo.json"),
        ("data", {}, "/data/"),
        ("data-package", {}, "/data/datapackage.json"),
        ("data-catalogue", {}, "/data/catalog.jsonld"),
    ],
)
def test_pages_have_stable_slug_urls_in_the_registry_namespace(name, kwargs, path):
    assert reverse(f"registry:{name}", kwargs=kwargs) == path


def test_home_shows_the_network_its_history_counts_and_links(client, founding):
    response = client.get("/")
    assert response.status_code == 200
    text = text_of(response)
    assert "synergise smart city development efforts across ASEAN" in text
    assert "April 2018, at the 32nd ASEAN Summit" in text
    assert "8 July 2018" in text
    counts = response.context["counts"]
    assert counts == {"member_states": 10, "cities": 26, "officers": 28, "agreements": 3}
    html = response.content.decode()
    for name in ("member-state-list", "city-list", "officer-list", "agreement-list"):
        assert f'href="{reverse("registry:" + name)}"' in html
    assert f'href="{reverse("registry:popolo")}"' in html


def test_home_map_names_and_links_each_pilot_city_from_its_dot(client, founding):
    html = client.get("/").content.decode()
    # Each city is a link in the callout of a dot: close cities share one dot.
    links = re.findall(
        r'<a href="(/cities/[^"]+/)"><text class="map-label"[^>]*>([^<]+)</text>', html
    )
    assert len(links) == 2 * 26  # in the dots for phones and in those for wide screens
    assert ("/cities/bangkok/", "Bangkok") in links
    dots = re.findall(
        r'<a class="map-dot" href="#(asean-map-\w+-\d+)" aria-label="([^"]+)">', html
    )
    assert 2 < len(dots) < 2 * 26
    # A dot's callout follows it, under the id the dot links to (shown as the #target).
    for target, _ in dots:
        assert f'<g class="map-callout" id="{target}">' in html
    assert any("Bangkok" in label and "Chonburi" in label for _, label in dots)


def test_member_state_lists_its_cities_with_their_current_cscos(client, founding):
    response = client.get("/member-states/thailand/")
    text = text_of(response)
    assert [city.name for city in response.context["cities"]] == ["Bangkok", "Chonburi", "Phuket"]
    for officer in ("Chaiwat Thongkamkoon", "Seksan Phunboonmee", "Passakon Prathombutr"):
        assert officer in text
    assert "Kuala Lumpur" not in text
    assert "does not know who is the National Representative of Thailand" in text


def test_member_state_shows_its_national_representative_where_known(client, founding):
    thailand = MemberState.objects.get(code="TH")
    factories.officer(member_state=thailand, name="Somchai Example", designation="Director")
    factories.officer(
        member_state=thailand,
        name="Former Representative",
        start_date=datetime.date(2018, 1, 1),
        end_date=datetime.date(2019, 1, 1),
    )
    text = text_of(client.get("/member-states/thailand/"))
    assert "Somchai Example , Director" in text
    assert "Former Representative" not in text
    list_text = text_of(client.get("/member-states/"))
    assert "Somchai Example" in list_text


def test_city_page_shows_state_pilot_since_officers_and_sources(client, founding):
    response = client.get("/cities/kota-kinabalu/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Malaysia" in text
    assert "Pilot city since April 2018" in text
    assert "Stanley Chong Hon Chung" in text
    assert "Tantinny Fung Chew Li" in text
    assert "ASEAN Smart Cities Network" in text  # its source
    assert "No link recorded" in text  # no action plan in the founding data
    assert response.context["map"].markers[-1].name == "Kota Kinabalu"
    assert response.context["map"].markers[-1].highlight


def test_city_page_lists_past_holders_with_their_dates_and_the_action_plan(client, founding):
    city = City.objects.get(slug="bangkok")
    city.action_plan_url = "https://example.org/bangkok-plan.pdf"
    city.save()
    factories.officer(
        city=city,
        name="Earlier Officer",
        start_date=datetime.date(2016, 5, 2),
        end_date=datetime.date(2018, 3, 31),
    )
    response = client.get("/cities/bangkok/")
    text = text_of(response)
    assert [o.name for o in response.context["past_officers"]] == ["Earlier Officer"]
    assert [o.name for o in response.context["officers_in_post"]] == ["Chaiwat Thongkamkoon"]
    assert "Earlier Officer" in text and "2 May 2016" in text and "31 March 2018" in text
    assert 'href="https://example.org/bangkok-plan.pdf"' in response.content.decode()


def test_officers_lists_current_holders_and_all_adds_past_tenures(client, founding):
    factories.officer(
        city=City.objects.get(slug="hanoi"),
        name="Past Hanoi Officer",
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2017, 12, 31),
    )
    current = client.get("/officers/")
    assert current.context["paginator"].count == 28
    assert "Past Hanoi Officer" not in text_of(current)
    everyone = client.get("/officers/?current=all")
    assert everyone.context["paginator"].count == 29
    text = text_of(everyone)
    assert "Past Hanoi Officer" in text
    assert "1 January 2015 – 31 December 2017" in text


def test_agreements_show_parties_date_event_amount_and_sources(client, founding):
    response = client.get("/agreements/")
    assert response.context["paginator"].count == 3
    detail = client.get("/agreements/australia-smart-cities-fund/")
    text = text_of(detail)
    assert "Funding commitment" in text
    assert "Australia" in text
    assert "March 2018" in text
    assert "AUD 30,000,000" in text
    assert "Turnbull unveils $30m fund for Asean smart cities" in text
    mou = text_of(client.get("/agreements/mou-jetro-undp/"))
    assert "Japan External Trade Organization (JETRO)" in mou
    assert "Opening Ceremony of the Inaugural ASCN Meeting" in mou


def test_sources_page_lists_every_source_with_what_it_supports(client, founding):
    response = client.get("/sources/")
    assert response.context["paginator"].count == Source.objects.count() == 7
    html = response.content.decode()
    article = html[html.index('id="straits-times-turnbull-30m-fund"') :]
    article = article[: article.index("</article>")]
    assert "Australian fund for smart city development in ASEAN" in article
    assert "Australia" in article
    founding_article = html[html.index('id="asean-smart-cities-network-article"') :]
    assert "26 cities" in founding_article[: founding_article.index("</article>")]


def test_every_fact_shows_when_it_was_last_verified_and_stale_ones_are_marked(client, founding):
    today = timezone.localdate()
    City.objects.filter(slug="bangkok").update(last_verified=today)
    City.objects.filter(slug="chonburi").update(last_verified=today - datetime.timedelta(days=800))
    touch_registry()
    fresh = text_of(client.get("/cities/bangkok/"))
    assert f"Last verified {today.day} {today:%B %Y}" in fresh
    html = client.get("/cities/?member_state=TH").content.decode()
    rows = {
        name: html[html.index(f">{name}</a></th>") :].split("</tr>")[0]
        for name in ("Bangkok", "Chonburi", "Phuket")
    }
    assert "possibly out of date" not in rows["Bangkok"]
    assert "possibly out of date" in rows["Chonburi"]  # verified over two years ago
    assert "Never verified" in rows["Phuket"] and "possibly out of date" in rows["Phuket"]


# Point in time -------------------------------------------------------------------------------


def test_as_of_shows_the_network_of_that_day_with_a_banner(client, founding):
    later = factories.city(
        member_state=MemberState.objects.get(code="TH"),
        name="Later City",
        slug="later-city",
        pilot_since=datetime.date(2020, 1, 1),
    )
    factories.officer(city=later, name="Later Officer", start_date=datetime.date(2020, 1, 1))
    factories.officer(
        city=City.objects.get(slug="bangkok"),
        name="Officer Of 2018",
        start_date=datetime.date(2018, 5, 1),
        end_date=datetime.date(2019, 5, 1),
    )
    response = client.get("/?as_of=2018-07-08")
    assert response.status_code == 200
    assert "You are viewing the network as it stood on 8 July 2018" in text_of(response)
    assert response.context["counts"]["cities"] == 26
    assert response.context["counts"]["officers"] == 29
    today = client.get("/")
    assert "You are viewing the network" not in text_of(today)
    assert today.context["counts"]["cities"] == 27

    cities = client.get("/cities/?as_of=2018-07-08")
    assert "Later City" not in text_of(cities)
    assert cities.context["paginator"].count == 26
    officers = text_of(client.get("/officers/?as_of=2018-07-08"))
    assert "Officer Of 2018" in officers and "Later Officer" not in officers
    bangkok = client.get("/cities/bangkok/?as_of=2018-07-08")
    assert {o.name for o in bangkok.context["officers_in_post"]} == {
        "Chaiwat Thongkamkoon",
        "Officer Of 2018",
    }
    assert "not yet a pilot city" in text_of(client.get("/cities/later-city/?as_of=2018-07-08"))


def test_as_of_before_the_launch_shows_no_pilot_city(client, founding):
    response = client.get("/cities/?as_of=2017-01-01")
    assert response.context["paginator"].count == 0
    assert "The network was launched later, in April 2018" in text_of(response)


@pytest.mark.parametrize("path", [*PAGES, "/cities/bangkok/"])
def test_an_invalid_as_of_answers_400_with_a_message(client, founding, path):
    separator = "&" if "?" in path else "?"
    for value, message in [
        ("2018-13-01", "Enter a date as YYYY-MM-DD"),
        ("yesterday", "Enter a date as YYYY-MM-DD"),
        ("08/07/2018", "Enter a date as YYYY-MM-DD"),
        ("2999-01-01", "2999-01-01 is in the future"),
    ]:
        response = client.get(f"{path}{separator}as_of={value}")
        assert response.status_code == 400, (path, value)
        text = text_of(response)
        assert message in text, (path, value)
        assert "Chaiwat Thongkamkoon" not in text  # no rows for a date not understood


# Errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/member-states/atlantis/", "/cities/atlantis/", "/agreements/atlantis/"],
)
def test_unknown_slugs_answer_404(client, founding, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("page", ["2", "0", "-1", "abc", "1.5"])
def test_out_of_range_or_non_numeric_page_answers_404(client, founding, page):
    assert client.get(f"/cities/?page={page}").status_code == 404


def test_unknown_download_format_answers_400_with_a_message(client, founding):
    response = client.get("/cities/?format=pdf")
    assert response.status_code == 400
    assert "Unknown format “pdf”" in text_of(response)
    assert response.context["paginator"] is None


def test_hostile_names_are_escaped(client, founding):
    state = MemberState.objects.get(code="TH")
    city = factories.city(member_state=state, name="<script>alert('x')</script>", slug="hostile")
    factories.officer(city=city, name='<img src=x onerror="alert(1)">')
    for path in ("/", "/cities/", "/cities/hostile/", "/member-states/thailand/", "/officers/"):
        html = client.get(path).content.decode()
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert "&lt;script&gt;alert(" in html, path


# Pagination ----------------------------------------------------------------------------------


def test_pagination_shows_50_a_page_and_keeps_the_filters(client, founding):
    state = factories.member_state(name="Many Cities", code="XM", code_alpha3="XMC")
    for n in range(60):
        factories.city(member_state=state, name=f"Town {n:02}", slug=f"town-{n:02}")
    first = client.get("/cities/?member_state=xm&q=town")
    assert first.status_code == 200
    assert len(first.context["object_list"]) == 50
    assert first.context["paginator"].count == 60
    html = first.content.decode()
    assert 'href="?member_state=xm&amp;q=town&amp;page=2"' in html
    second = client.get("/cities/?member_state=XM&q=town&page=2")
    assert len(second.context["object_list"]) == 10
    assert 'href="?member_state=XM&amp;q=town"' in second.content.decode()  # back to page 1
    assert client.get("/cities/?member_state=XM&q=town&page=3").status_code == 404


# Head of each page ----------------------------------------------------------------------


def test_each_page_has_a_unique_title_a_description_and_a_canonical_link(client, founding):
    titles = set()
    for path in PAGES:
        html = client.get(path).content.decode()
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        titles.add(title)
        assert re.search(r'<meta name="description" content="[^"]{40,}">', html), path
        canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html).group(1)
        assert canonical == "http://testserver" + path.split("?")[0], path
        assert '<html lang="en">' in html
        assert 'href="#content"' in html and 'id="content"' in html  # skip link
    assert len(titles) == len(PAGES)


def test_headings_go_in_order_on_every_page(client, founding):
    for path in PAGES:
        html = client.get(path).content.decode()
        levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
        assert levels[0] == 1 and levels.count(1) == 1, path
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, (path, levels)


def test_the_stylesheet_is_served_by_whitenoise_and_no_script_is_needed(client, founding):
    html = client.get("/").content.decode()
    assert "<script" not in html
    href = re.search(r'<link rel="stylesheet" href="([^"]+)">', html).group(1)
    assert href.startswith("/static/") and href.endswith(".css")
    assert "http" not in href  # no CDN


# Query counts ---------------------------------------------------------------------------------


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


@pytest.mark.parametrize(
    "path",
    [
        *PAGES,
        "/cities/?member_state=th&q=a",
        "/officers/?current=all&as_of=2018-07-08&q=o",
        "/member-states/malaysia/?as_of=2018-07-08",
        "/data/popolo.json",
        "/data/",
        "/data/datapackage.json",
        "/data/catalog.jsonld",
    ],
)
def test_queries_per_page_do_not_grow_with_the_number_of_rows(client, founding, path):
    small = count_queries(client, path)
    add_cities(2000)
    assert City.objects.count() == 2000
    assert count_queries(client, path) == small


# Each list page's own pages and filters: what a page costs when the page cache cannot answer.
LIST_PAGES = [
    "/",
    "/member-states/",
    "/cities/",
    "/cities/?member_state=th&q=a&as_of=2018-07-08",
    "/officers/",
    "/officers/?q=philippines",
    "/officers/?member_state=th&city=bangkok&role=csco",
    "/officers/?current=all&as_of=2018-07-08",
    "/agreements/",
    "/agreements/?party=jetro&kind=mou",
    "/sources/",
    "/sources/?as_of=2018-07-08",
]


def built_page_queries(client, path, assert_max_num_queries):
    client.get(path)  # loads the data cache: the network, the filters' choices
    caches[settings.REGISTRY_PAGE_CACHE].clear()
    with assert_max_num_queries(4) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    assert response.context is not None  # rendered, not from the page cache
    return len(captured)


@pytest.mark.parametrize("path", LIST_PAGES)
def test_a_list_page_is_built_in_at_most_four_queries_at_any_size(
    client, founding, path, django_assert_max_num_queries
):
    small = built_page_queries(client, path, django_assert_max_num_queries)
    add_cities(2000)
    assert built_page_queries(client, path, django_assert_max_num_queries) == small


def test_the_home_page_counts_match_the_tables(client, founding):
    counts = client.get("/").context["counts"]
    assert counts == {
        "member_states": MemberState.objects.count(),
        "cities": City.objects.count(),
        "officers": Officer.objects.current().count(),
        "agreements": Agreement.objects.count(),
    }
    day = datetime.date(2018, 7, 8)
    counts = client.get("/", {"as_of": day.isoformat()}).context["counts"]
    assert counts["officers"] == Officer.objects.in_post_on(day).count()
    assert counts["agreements"] == Agreement.objects.signed_by(day).count()
