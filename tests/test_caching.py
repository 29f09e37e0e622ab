"""Validators, conditional GET, the rendered-page cache and the per-version data cache."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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
