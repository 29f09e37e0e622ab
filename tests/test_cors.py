"""CORS for the open data only: any origin may GET or HEAD the downloads, /data/... and
/healthz, without credentials; the pages, the admin and every form get no CORS headers."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.urls import reverse

pytestmark = pytest.mark.django_db

ORIGIN = "https://reuser.example"

OPEN_DATA = [
    "/cities/?format=csv",
    "/cities/?format=json&member_state=th",
    "/officers/?format=xlsx",
    "/member-states/?format=json",
    "/agreements/?format=csv",
    "/sources/?format=json",
    "/data/popolo.json",
    "/data/datapackage.json",
    "/data/catalog.jsonld",
    "/healthz",
]

NOT_OPEN_DATA = [
    "/",
    "/cities/",
    "/cities/?member_state=th",
    "/cities/bangkok/",
    "/officers/?current=all",
    "/admin/login/",
    "/admin/",
    "/sitemap.xml",
]


@pytest.fixture(autouse=True)
def fresh_pages():
    caches[settings.REGISTRY_PAGE_CACHE].clear()


def preflight(client, path, method="GET", **headers):
    return client.options(
        path,
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        **headers,
    )


@pytest.mark.parametrize("path", OPEN_DATA)
def test_any_origin_may_read_the_open_data_without_credentials(founding, client, path):
    response = client.get(path, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert not response.has_header("Access-Control-Allow-Credentials")
    exposed = {
        name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")
    }
    assert {"etag", "content-disposition", "link"} <= exposed


@pytest.mark.parametrize("path", OPEN_DATA)
def test_a_head_request_for_open_data_is_allowed_too(founding, client, path):
    response = client.head(path, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", OPEN_DATA)
def test_a_preflight_for_open_data_allows_get_and_head_only(founding, client, path):
    response = preflight(client, path)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")} == {
        "GET",
        "HEAD",
    }
    assert not response.has_header("Access-Control-Allow-Credentials")


def test_a_preflight_asking_to_post_to_a_download_gets_no_cors_headers(founding, client):
    response = preflight(client, "/cities/?format=csv", method="POST")
    assert not response.has_header("Access-Control-Allow-Origin")


def test_a_preflight_asking_to_post_to_data_is_told_get_and_head_only(founding, client):
    response = preflight(client, "/data/popolo.json", method="POST")
    assert "POST" not in response["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("path", NOT_OPEN_DATA)
def test_pages_forms_and_the_admin_get_no_cors_headers(founding, client, path):
    response = client.get(path, HTTP_ORIGIN=ORIGIN)
    assert response.status_code in (200, 302)
    assert not any(name.lower().startswith("access-control-") for name in response.headers)


@pytest.mark.parametrize("path", ["/admin/login/", "/admin/", "/cities/"])
def test_a_preflight_to_the_admin_or_a_page_gets_no_cors_headers(founding, client, path):
    for method in ("GET", "POST"):
        response = preflight(client, path, method=method)
        assert not any(name.lower().startswith("access-control-") for name in response.headers)


def test_a_cross_site_login_post_gets_no_cors_headers(founding, client, superuser):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": "pw"},
        HTTP_ORIGIN=ORIGIN,
    )
    assert not response.has_header("Access-Control-Allow-Origin")


def test_a_logged_in_admin_page_gets_no_cors_headers(founding, editor_client):
    response = editor_client.get("/admin/registry/city/", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert not response.has_header("Access-Control-Allow-Origin")


def test_the_admin_workbook_download_gets_no_cors_headers(founding, viewer_client):
    response = viewer_client.get(reverse("admin:registry_workbook_export"), HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert not response.has_header("Access-Control-Allow-Origin")
