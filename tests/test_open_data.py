"""The open data's licence and citation: in the pages, the Popolo meta and every download."""

import json

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from ascn.settings import DEFAULT_DATA_LICENCE, parse_data_licence
from registry import open_data

pytestmark = pytest.mark.django_db

CC_BY = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
ODBL = {"name": "ODbL 1.0", "url": "https://opendatacommons.org/licenses/odbl/1-0/"}

DOWNLOADS = [
    "/member-states/?format=csv",
    "/cities/?format=csv",
    "/cities/?format=xlsx",
    "/cities/?format=json",
    "/officers/?format=json&current=all",
    "/agreements/?format=xlsx",
    "/sources/?format=csv",
    "/data/popolo.json",
]


@pytest.fixture(autouse=True)
def fresh_pages():
    # A page rendered under another licence setting must not be served from the cache.
    caches[settings.REGISTRY_PAGE_CACHE].clear()
    yield
    caches[settings.REGISTRY_PAGE_CACHE].clear()


def test_the_default_licence_is_cc_by_4():
    assert parse_data_licence(DEFAULT_DATA_LICENCE) == CC_BY


@pytest.mark.parametrize(
    "value",
    [
        "CC BY 4.0",
        "|https://creativecommons.org/licenses/by/4.0/",
        "CC BY 4.0|creativecommons.org/licenses/by/4.0/",
        "CC BY 4.0|https://a.example/|https://b.example/",
    ],
)
def test_a_licence_setting_not_written_as_name_and_url_stops_the_process(value):
    with pytest.raises(ImproperlyConfigured, match="name\\|URL"):
        parse_data_licence(value)


def test_a_licence_setting_keeps_its_name_and_url_without_surrounding_spaces():
    assert (
        parse_data_licence(" ODbL 1.0 | https://opendatacommons.org/licenses/odbl/1-0/ ") == ODBL
    )


def test_every_page_footer_states_the_licence_and_how_to_cite_the_registry(founding, client):
    for path in ("/", "/cities/", "/cities/bangkok/", "/member-states/thailand/"):
        footer = client.get(path).content.decode().split('<footer class="site-footer">')[1]
        assert f'<a href="{CC_BY["url"]}" rel="license">CC BY 4.0</a>' in footer, path
        assert "the licence the ASCN secretariat chose" in footer
        assert "ASEAN Smart Cities Network. ASCN Registry [data set]. http://testserver/." in (
            footer
        )


def test_the_footer_follows_the_configured_licence(founding, client, settings):
    settings.DATA_LICENCE = ODBL
    page = client.get("/").content.decode()
    assert f'<a href="{ODBL["url"]}" rel="license">ODbL 1.0</a>' in page
    assert "CC BY" not in page


def test_each_list_says_how_to_cite_it(founding, client):
    page = client.get("/cities/?member_state=th").content.decode()
    assert (
        "How to cite this list: ASEAN Smart Cities Network. ASCN Registry: cities [data set]. "
        "http://testserver/cities/. Retrieved "
    ) in page
    assert "Licence: CC BY 4.0.</p>" in page


def test_a_citation_names_publisher_dataset_address_day_and_licence(settings):
    import datetime

    settings.DATA_LICENCE = ODBL
    text = open_data.citation(
        "https://registry.example/cities/",
        dataset="cities",
        publisher="ASEAN Smart Cities Network",
        day=datetime.date(2026, 12, 2),
    )
    assert text == (
        "ASEAN Smart Cities Network. ASCN Registry: cities [data set]. "
        "https://registry.example/cities/. Retrieved 2 December 2026. Licence: ODbL 1.0."
    )


def test_the_popolo_meta_carries_the_licence_and_a_citation(founding, client, settings):
    settings.DATA_LICENCE = ODBL
    meta = json.loads(client.get("/data/popolo.json").content)["meta"]
    assert meta["license"] == ODBL
    assert meta["citation"].startswith(
        "ASEAN Smart Cities Network. ASCN Registry: Popolo JSON [data set]. "
        "http://testserver/data/popolo.json. Retrieved "
    )
    assert meta["citation"].endswith("Licence: ODbL 1.0.")


@pytest.mark.parametrize("path", DOWNLOADS)
def test_every_download_links_to_its_licence(founding, client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Link"] == f'<{CC_BY["url"]}>; rel="license"'


def test_the_licence_link_follows_the_setting_and_survives_the_page_cache(
    founding, client, settings
):
    settings.DATA_LICENCE = ODBL
    first, again = client.get("/data/popolo.json"), client.get("/data/popolo.json")
    assert first["Link"] == again["Link"] == f'<{ODBL["url"]}>; rel="license"'


def test_the_whole_registry_workbook_links_to_its_licence(founding, viewer_client):
    response = viewer_client.get(reverse("admin:registry_workbook_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Link"] == f'<{CC_BY["url"]}>; rel="license"'


def test_the_json_list_download_stays_a_list_of_records(founding, client):
    data = json.loads(b"".join(client.get("/cities/?format=json").streaming_content))
    assert isinstance(data, list) and data and all("registry_url" in row for row in data)


@pytest.mark.parametrize(
    "path", ["/", "/cities/", "/cities/bangkok/", "/cities/?format=pdf", "/cities/atlantis/"]
)
def test_pages_and_errors_carry_no_licence_header(founding, client, path):
    assert not client.get(path).has_header("Link")
