"""gzip where it is safe: the public pages and downloads, never a page with a CSRF token."""

import gzip
import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.urls import reverse

from .servers import fetch, gunicorn

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture(autouse=True)
def fresh_pages():
    caches[settings.REGISTRY_PAGE_CACHE].clear()


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize(
    "path", ["/", "/cities/", "/cities/bangkok/", "/data/popolo.json", "/sitemap.xml"]
)
def test_a_public_page_is_gzipped_and_decodes_to_the_same_bytes(founding, client, path):
    plain = client.get(path)
    compressed = client.get(path, **GZIP)
    assert not plain.has_header("Content-Encoding")
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert gzip.decompress(body(compressed)) == body(plain)
    assert int(compressed["Content-Length"]) < len(body(plain))


@pytest.mark.parametrize("path", ["/cities/?format=csv", "/officers/?format=json&current=all"])
def test_a_streamed_download_is_gzipped_as_it_streams(founding, client, path):
    plain = client.get(path)
    compressed = client.get(path, **GZIP)
    assert compressed.streaming
    assert compressed["Content-Encoding"] == "gzip"
    assert compressed["Content-Disposition"] == plain["Content-Disposition"]
    assert gzip.decompress(body(compressed)) == body(plain)


def test_an_xlsx_download_is_left_as_it_is(founding, client):
    # A zip archive already: gzip would only cost time.
    response = client.get("/cities/?format=xlsx", **GZIP)
    assert not response.has_header("Content-Encoding")
    assert body(response)[:2] == b"PK"


def test_a_compressed_page_still_answers_conditional_requests(founding, client):
    first = client.get("/cities/", **GZIP)
    etag = first["ETag"]
    assert etag.startswith('W/"')  # the same bytes, compressed: a weak validator
    again = client.get("/cities/", HTTP_IF_NONE_MATCH=etag, **GZIP)
    assert again.status_code == 304
    assert client.get("/cities/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_admin_login_page_is_never_compressed(founding, client):
    response = client.get(reverse("admin:login"), **GZIP)
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert not response.has_header("Content-Encoding")


def test_the_admin_index_is_never_compressed(founding, editor_client):
    response = editor_client.get(reverse("admin:index"), **GZIP)
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")


def test_an_admin_download_is_never_compressed(founding, viewer_client):
    response = viewer_client.get(reverse("admin:registry_city_changelist"), **GZIP)
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")


def test_a_page_outside_the_admin_that_uses_a_csrf_token_is_not_compressed(rf):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from ascn.compression import SafeGZipMiddleware

    def form_page(request):
        return HttpResponse(f"<form>{get_token(request)}</form>" + " " * 500)

    def plain_page(request):
        return HttpResponse("<p>public</p>" + " " * 500)

    for view, compressed in ((form_page, False), (plain_page, True)):
        request = rf.get("/somewhere/", **GZIP)
        response = SafeGZipMiddleware(view)(request)
        assert response.has_header("Content-Encoding") is compressed, view.__name__


@pytest.fixture
def production_server(django_db_setup, django_db_blocker, tmp_path):
    """gunicorn with the production settings (and so collectstatic's compressed files)."""
    if connection.vendor != "postgresql":
        pytest.skip("production runs on PostgreSQL; set DATABASE_URL to run this test")
    with gunicorn(tmp_path) as url:
        yield url


@pytest.mark.django_db
def test_production_serves_precompressed_static_files_and_gzipped_pages(production_server):
    proxied = {"Host": "registry.example.org", "X_Forwarded_Proto": "https"}
    status, _headers, page = fetch(f"{production_server}/admin/login/", **proxied)
    assert status == 200
    stylesheet = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page).group(1)
    status, headers, css = fetch(
        production_server + stylesheet.decode(), Accept_Encoding="gzip", **proxied
    )
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(css).startswith(b"/*")

    status, headers, cities = fetch(
        f"{production_server}/cities/", Accept_Encoding="gzip", **proxied
    )
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert b"<h1>Pilot cities</h1>" in gzip.decompress(cities)
    status, headers, _login = fetch(
        f"{production_server}/admin/login/", Accept_Encoding="gzip", **proxied
    )
    assert status == 200 and "Content-Encoding" not in headers
