"""Validators, conditional GET, the rendered-page cache and the per-version data cache."""

import datetime
import gzip
import itertools

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_script_prefix
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from registry.datasets import DATASETS
from registry.models import Agreement, City, DataVersion, MemberState, touch_registry

from . import factories
from .test_public import PAGES, text_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", [*PAGES, "/data/popolo.json"])
def test_unchanged_data_answers_304_without_rendering(client, founding, path):
    first = client.get(path)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.templates == []
    assert len(queries) == 1  # the data version, nothing else
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304


def test_a_change_to_the_data_changes_the_validators(client, founding):
    etag = client.get("/cities/")["ETag"]
    city = City.objects.get(slug="bangkok")
    city.name = "Krung Thep"
    city.save()
    response = client.get("/cities/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Krung Thep" in text_of(response)
    etags = {response["ETag"]}
    city.sources.clear()  # many-to-many changes count too
    etags.add(client.get("/cities/")["ETag"])
    Agreement.objects.get(slug="mou-jetro-undp").delete()
    etags.add(client.get("/cities/")["ETag"])
    touch_registry()  # for writes that send no signals, e.g. bulk imports
    etags.add(client.get("/cities/")["ETag"])
    assert len(etags) == 4 and etag not in etags


def test_validators_come_from_the_database_so_every_process_agrees(client, founding):
    changed = timezone.now().replace(microsecond=0) - datetime.timedelta(days=3)
    DataVersion.objects.update(version=41, changed_at=changed)
    response = client.get("/")
    assert response["ETag"].startswith('"41-')
    assert "no-cache" in response["Cache-Control"]


def test_errors_carry_no_validators(client, founding):
    assert not client.get("/cities/?member_state=zz").has_header("ETag")
    assert not client.get("/cities/atlantis/").has_header("ETag")


def test_the_filters_choices_follow_the_data(client, founding):
    """The city choices come from a cache keyed by the data version: a write retires them."""
    assert b"Khon Kaen" not in client.get("/officers/").content
    khon_kaen = factories.city(
        name="Khon Kaen", slug="khon-kaen", member_state=MemberState.objects.get(code="TH")
    )
    response = client.get("/officers/", {"city": "khon-kaen"})
    assert response.status_code == 200
    assert b'<option value="khon-kaen" selected>Khon Kaen, Thailand</option>' in response.content
    khon_kaen.delete()
    response = client.get("/officers/", {"city": "khon-kaen"})
    assert response.status_code == 400
    assert "There is no city “khon-kaen”." in response.content.decode()


def test_an_unchanged_page_is_served_from_the_page_cache_after_one_query(
    client, founding, django_assert_num_queries
):
    first = client.get("/cities/", {"member_state": "TH"})
    assert first.status_code == 200
    with django_assert_num_queries(1):  # the data version, nothing else
        again = client.get("/cities/", {"member_state": "TH"})
    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    # Another query string is another page.
    other = client.get("/cities/", {"member_state": "KH"})
    assert b"Phnom Penh" in other.content and b"Phnom Penh" not in first.content


def test_a_write_retires_the_cached_page(client, founding):
    before = client.get("/cities/", {"member_state": "TH"})
    factories.city(
        name="Khon Kaen", slug="khon-kaen", member_state=MemberState.objects.get(code="TH")
    )
    after = client.get("/cities/", {"member_state": "TH"})
    assert b"Khon Kaen" not in before.content
    assert b"Khon Kaen" in after.content
    assert after["ETag"] != before["ETag"]


def test_error_pages_are_not_cached(client, founding):
    assert client.get("/cities/", {"member_state": "XX"}).status_code == 400
    response = client.get("/cities/", {"member_state": "XX"})
    assert response.status_code == 400
    assert "There is no member state" in response.content.decode()


# A cached page is the page --------------------------------------------------------------------

HOSTS = ("registry.example.org", "mirror.example.net")
SCHEMES = ("http", "https")

# At least one address for every public URL pattern (test_every_public_url_pattern_is_covered
# holds that): pages, lists with filters, pages and downloads, the open data and the files
# for crawlers. XLSX downloads are left out: the file records the time it was written (they
# are never kept: test_xlsx_downloads_are_never_kept_and_carry_the_same_headers_each_time).
PUBLIC_EXAMPLES = {
    "favicon.ico": ["/favicon.ico"],
    "robots": ["/robots.txt"],
    "sitemap": ["/sitemap.xml"],
    "registry:home": ["/", "/?as_of=2019-01-01"],
    "registry:member-state-list": ["/member-states/", "/member-states/?q=thai"],
    "registry:member-state-detail": ["/member-states/thailand/"],
    "registry:city-list": [
        "/cities/",
        "/cities/?member_state=TH&page=1",
        "/cities/?format=csv",
        "/cities/?format=json&member_state=KH",
    ],
    "registry:city-detail": ["/cities/bangkok/", "/cities/bangkok/?as_of=2018-05-01"],
    "registry:officer-list": ["/officers/", "/officers/?current=all&role=csco"],
    "registry:agreement-list": ["/agreements/", "/agreements/?year=2018"],
    "registry:agreement-detail": ["/agreements/mou-jetro-undp/"],
    "registry:source-list": ["/sources/"],
    "registry:change-list": ["/changes/", "/changes/?page=1"],
    "registry:change-feed": ["/changes/feed/"],
    "registry:popolo": ["/data/popolo.json"],
    "registry:data": ["/data/"],
    "registry:data-package": ["/data/datapackage.json"],
    "registry:data-catalogue": ["/data/catalog.jsonld"],
}
CACHED_NAMES = {name for name in PUBLIC_EXAMPLES if name.startswith("registry:")}
# Pages with a form (a CSRF token, different on every response) are never kept.
UNCACHED_EXAMPLES = {
    "registry:suggestion-create": "/suggest/city/bangkok/",
    "registry:suggestion-thanks": "/suggest/thanks/",
}


@pytest.fixture
def page_cache(settings):
    """A page cache of this test's own, in memory whatever the settings, to count its keys."""
    settings.CACHES = {
        **settings.CACHES,
        "pages-under-test": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages-under-test",
        },
    }
    settings.REGISTRY_PAGE_CACHE = "pages-under-test"
    settings.ALLOWED_HOSTS = list(HOSTS)
    cache = caches["pages-under-test"]
    cache.clear()
    return cache


def fetch(client, path, host=HOSTS[0], scheme="http", **headers):
    # The same request id both times, so that X-Request-ID is equal too; an Origin, so that
    # the CORS headers are compared where they apply.
    return client.get(
        path,
        HTTP_HOST=host,
        secure=scheme == "https",
        HTTP_X_REQUEST_ID="page-cache-test",
        HTTP_ORIGIN="https://reader.example",
        **headers,
    )


def snapshot(response):
    """What a client receives: status, headers other than Date, and the body."""
    headers = {name: value for name, value in response.headers.items() if name != "Date"}
    return response.status_code, headers, response.getvalue()


def public_pattern_names():
    names = set()
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) == settings.ADMIN_URL:
                continue
            names.update(f"{pattern.namespace}:{inner.name}" for inner in pattern.url_patterns)
        else:
            names.add(pattern.name or str(pattern.pattern))
    return names


def test_every_public_url_pattern_is_covered():
    assert public_pattern_names() == set(PUBLIC_EXAMPLES) | set(UNCACHED_EXAMPLES)


@pytest.mark.parametrize("path", UNCACHED_EXAMPLES.values())
def test_pages_with_a_form_are_never_kept(client, founding, page_cache, path):
    for _ in range(2):
        response = fetch(client, path)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert len(page_cache._cache) == 0


EXAMPLES = [(name, path) for name, paths in PUBLIC_EXAMPLES.items() for path in paths]


@pytest.mark.parametrize(("name", "path"), EXAMPLES, ids=[path for _name, path in EXAMPLES])
def test_a_cached_page_equals_a_fresh_one_for_every_host_and_scheme(
    client, founding, page_cache, name, path
):
    bodies = {}
    for host, scheme in itertools.product(HOSTS, SCHEMES):
        keys = len(page_cache._cache)
        fresh = fetch(client, path, host, scheme)
        assert fresh.status_code in (200, 301), (host, scheme)
        with CaptureQueriesContext(connection) as queries:
            cached = fetch(client, path, host, scheme)
        # A streamed body can be read once: kept from here on.
        fresh_snapshot = snapshot(fresh)
        assert snapshot(cached) == fresh_snapshot, (host, scheme)
        if name in CACHED_NAMES and not fresh.streaming:
            # Each host and scheme is a page of its own, and the second request is a hit.
            assert len(page_cache._cache) == keys + 1, (host, scheme)
            assert len(queries) == 1, (host, scheme)  # the data version
        bodies[host, scheme] = fresh_snapshot[2]
    for (host, scheme), body in bodies.items():
        for other in HOSTS:
            if other != host:
                assert other.encode() not in body, (host, other)
        if path.endswith(("/", ".json", ".txt", ".xml", "=json&member_state=KH")):
            assert f"{scheme}://{host}/".encode() in body, (host, scheme)


def test_the_popolo_file_keeps_its_headers_and_urls_from_the_cache(client, founding, page_cache):
    fetch(client, "/data/popolo.json")
    again = fetch(client, "/data/popolo.json", HOSTS[0], "https")
    again = fetch(client, "/data/popolo.json", HOSTS[0], "https")
    assert again["Content-Disposition"] == 'inline; filename="ascn-registry-popolo.json"'
    assert 'rel="license"' in again["Link"]
    assert again["Access-Control-Allow-Origin"] == "*"
    data = again.json()
    assert data["meta"]["url"] == f"https://{HOSTS[0]}/"
    assert data["organizations"][0]["links"][0]["url"].startswith(f"https://{HOSTS[0]}/")


def test_a_compressed_cached_page_is_the_compressed_fresh_page(client, founding, page_cache):
    fresh = fetch(client, "/cities/", HTTP_ACCEPT_ENCODING="gzip")
    cached = fetch(client, "/cities/", HTTP_ACCEPT_ENCODING="gzip")
    assert cached["Content-Encoding"] == fresh["Content-Encoding"] == "gzip"
    # gzip's header carries random padding against BREACH: compare what it holds.
    assert gzip.decompress(cached.content) == gzip.decompress(fresh.content)
    drop = {"Date", "Content-Length"}
    assert {k: v for k, v in cached.headers.items() if k not in drop} == {
        k: v for k, v in fresh.headers.items() if k not in drop
    }


def with_unknown_parameters(path):
    """`path` with an unknown parameter and a tracking one added, before and after its own."""
    address, _, query = path.partition("?")
    return f"{address}?junk=1&" + (f"{query}&" if query else "") + "utm_source=x"


# Every public address, as test_a_cached_page_equals_a_fresh_one_for_every_host_and_scheme
# fetches them, with unknown parameters added; then empty and reordered ones.
IGNORED_QUERIES = [(name, path, with_unknown_parameters(path)) for name, path in EXAMPLES] + [
    ("registry:city-list", "/cities/", "/cities/?junk=1&page=&q="),
    (
        "registry:city-list",
        "/cities/?member_state=TH&q=bang",
        "/cities/?q=bang&utm_source=x&member_state=TH",
    ),
    ("registry:city-detail", "/cities/bangkok/", "/cities/bangkok/?junk=1&member_state=KH"),
    (
        "registry:officer-list",
        "/officers/?current=all",
        "/officers/?junk=%3Cb%3E&current=all&format=",
    ),
    ("registry:popolo", "/data/popolo.json", "/data/popolo.json?junk=1&as_of=2019-01-01"),
]


@pytest.mark.parametrize(
    ("name", "plain", "noisy"), IGNORED_QUERIES, ids=[noisy for _n, _p, noisy in IGNORED_QUERIES]
)
def test_unknown_and_empty_parameters_neither_add_cache_entries_nor_change_the_page(
    client, founding, page_cache, name, plain, noisy
):
    first = fetch(client, plain)
    # A streamed download (CSV, JSON) and a redirect are never kept in the page cache, so
    # there is no entry for the unknown parameters to add to or to miss.
    if first.streaming or first.status_code != 200:
        pytest.skip(
            f"{plain} answers {first.status_code}, streamed: {first.streaming}; never kept"
        )
    keys = len(page_cache._cache)
    assert keys == (1 if name in CACHED_NAMES else 0)
    with CaptureQueriesContext(connection) as queries:
        noisy_response = fetch(client, noisy)
    if name in CACHED_NAMES:
        assert len(queries) == 1  # from the cache: nothing rendered
    assert len(page_cache._cache) == keys
    assert snapshot(noisy_response) == snapshot(first)
    assert b"junk" not in noisy_response.content and b"utm_source" not in noisy_response.content


def test_unknown_parameters_are_left_out_of_the_links_a_fresh_page_renders(
    client, founding, page_cache
):
    response = fetch(client, "/cities/?junk=1&member_state=TH")
    assert response.status_code == 200
    assert b"junk" not in response.content
    assert b"member_state=TH" in response.content  # known ones are kept in the links


def test_a_page_served_under_another_script_prefix_is_a_page_of_its_own(
    client, founding, page_cache
):
    plain = fetch(client, "/cities/bangkok/")
    # Django's test client sets SCRIPT_NAME but not the prefix reverse() uses (the WSGI
    # handler does both).
    with override_script_prefix("/mirror/"):
        mounted = fetch(client, "/cities/bangkok/", SCRIPT_NAME="/mirror")
        again = fetch(client, "/cities/bangkok/", SCRIPT_NAME="/mirror")
    assert len(page_cache._cache) == 2
    assert b'href="/mirror/cities/"' in mounted.content
    assert b"/mirror/" not in plain.content
    assert snapshot(again) == snapshot(mounted)


# The lists with downloads: the datasets' pages (the changes page has its feed instead).
LIST_NAMES = sorted(f"registry:{dataset.url_name}" for dataset in DATASETS)


@pytest.mark.parametrize("name", LIST_NAMES)
def test_xlsx_downloads_are_never_kept_and_carry_the_same_headers_each_time(
    client, founding, page_cache, name
):
    """An XLSX file records the time it was written, so it is built for every request: the
    page cache must keep no entry for it, and its headers (validators, CORS, the file name)
    must not change between requests while the data does not."""
    path = PUBLIC_EXAMPLES[name][0] + "?format=xlsx"
    responses = [fetch(client, path) for _ in range(2)]
    headers = []
    for response in responses:
        assert response.status_code == 200
        assert response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert response["Content-Disposition"].startswith("attachment; ")
        assert ".xlsx" in response["Content-Disposition"]
        data = b"".join(response.streaming_content) if response.streaming else response.content
        assert data.startswith(b"PK")
        # The length too may change with the write time (compressed), but is always true.
        assert int(response["Content-Length"]) == len(data)
        drop = {"Date", "Content-Length"}
        headers.append({k: v for k, v in response.headers.items() if k not in drop})
    assert headers[0] == headers[1]
    assert len(page_cache._cache) == 0
