"""The data page (/data/) and its read model: every dataset, and columns read from the files."""

import csv
import datetime
import io
import json

import openpyxl
import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.public_pages import add_cities
from registry import datasets
from registry.models import Agreement, City, DatePrecision, MemberState, Officer, Source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_caches():
    for name in (settings.REGISTRY_PAGE_CACHE, settings.REGISTRY_DATA_CACHE):
        caches[name].clear()
    yield
    for name in (settings.REGISTRY_PAGE_CACHE, settings.REGISTRY_DATA_CACHE):
        caches[name].clear()


def body(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def complete_download(client, dataset, file_format):
    url = datasets.download_url(lambda path: path, dataset, file_format)
    response = client.get(url)
    assert response.status_code == 200, url
    return body(response)


def states_by_name():
    return {state.dataset.name: state for state in datasets.build_states()}


@pytest.mark.parametrize("dataset", datasets.DATASETS, ids=lambda dataset: dataset.name)
def test_the_column_dictionary_names_every_column_of_the_csv_json_and_xlsx_downloads(
    client, founding, dataset
):
    columns = [column.name for column in datasets.columns_of(dataset.resource)]
    header = next(csv.reader(io.StringIO(complete_download(client, dataset, "csv"))))
    assert header == columns
    records = json.loads(complete_download(client, dataset, "json"))
    assert list(records[0]) == [*columns, "registry_url"]
    response = client.get(datasets.download_url(lambda path: path, dataset, "xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [cell.value for cell in sheet[1]] == columns


@pytest.mark.parametrize("dataset", datasets.DATASETS, ids=lambda dataset: dataset.name)
def test_each_column_example_is_a_cell_of_its_csv_download(client, founding, dataset):
    rows = list(csv.DictReader(io.StringIO(complete_download(client, dataset, "csv"))))
    for column in states_by_name()[dataset.name].columns:
        cells = {row[column.name] for row in rows}
        if column.example:
            assert column.example in cells, column.name
        else:
            assert cells == {""}, column.name


def test_the_row_counts_are_the_rows_of_the_complete_downloads(client, founding):
    states = states_by_name()
    assert states["officers"].rows == Officer.objects.count()  # past tenures too
    for dataset in datasets.DATASETS:
        rows = list(csv.DictReader(io.StringIO(complete_download(client, dataset, "csv"))))
        assert states[dataset.name].rows == len(rows), dataset.name


def test_types_formats_enums_and_required_come_from_the_widgets_and_the_models(founding):
    columns = {
        (state.dataset.name, column.name): column
        for state in states_by_name().values()
        for column in state.columns
    }
    assert columns["cities", "pilot_since"].type == "date"
    assert columns["cities", "latitude"].type == "number"
    assert (columns["cities", "latitude"].minimum, columns["cities", "latitude"].maximum) == (
        -90,
        90,
    )
    assert columns["cities", "action_plan_url"].format == "uri"
    assert columns["agreements", "kind"].enum == tuple(Agreement.Kind.values)
    assert columns["cities", "pilot_since_precision"].enum == tuple(DatePrecision.values)
    assert columns["officers", "role"].enum == tuple(Officer.Role.values)
    assert columns["cities", "name"].required
    assert columns["officers", "member_state"].required  # the city's state for a CSCO
    assert not columns["officers", "city"].required
    assert not columns["officers", "end_date"].required
    assert not columns["cities", "sources"].required


def test_a_city_edit_moves_the_last_change_of_the_files_that_read_cities_only(founding):
    MemberState.objects.get(code="TH").save()  # a history, so no fallback to the registry's
    before = states_by_name()
    city = City.objects.get(slug="bangkok")
    city.action_plan_url = "https://bangkok.example/plan"
    city.save()
    after = states_by_name()
    changed = city.history.latest().history_date
    assert after["cities"].modified == changed
    assert after["officers"].modified == changed  # an officer row names its city
    assert after["member-states"].modified == before["member-states"].modified
    (plan,) = [column for column in after["cities"].columns if column.name == "action_plan_url"]
    assert plan.example == "https://bangkok.example/plan"


def test_the_data_page_shows_every_dataset_its_files_rows_columns_and_citation(client, founding):
    response = client.get("/data/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-current="page">Open data</a>' in html
    for dataset in datasets.DATASETS:
        assert f'id="{dataset.name}-heading"' in html
    assert 'href="http://testserver/officers/?format=csv&amp;current=all"' in html
    assert f"<dt>Rows</dt><dd>{MemberState.objects.count()}</dd>" in html
    assert '<th scope="row"><code>pilot_since_precision</code></th>' in html
    assert "ASCN Registry: sources [data set]. http://testserver/sources/." in html
    assert 'href="/data/popolo.json"' in html
    latest = max(state.modified for state in datasets.build_states())
    assert f'Last changed <time datetime="{timezone.localtime(latest):%Y-%m-%dT%H:%M:%S}' in html
    assert 'href="/data/datapackage.json"' in html
    assert 'href="/data/catalog.jsonld"' in html


def test_every_page_links_to_the_data_page(client, founding):
    assert '<a href="/data/">Open data</a>' in client.get("/").content.decode()


def built_data_page_queries(client):
    caches[settings.REGISTRY_PAGE_CACHE].clear()
    caches[settings.REGISTRY_DATA_CACHE].clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/data/").status_code == 200
    return len(queries)


def test_the_data_page_runs_as_many_queries_for_2000_cities_as_for_26(
    client, founding, django_assert_num_queries
):
    small = built_data_page_queries(client)
    add_cities(2000)
    Source.objects.create(title="One more source", slug="one-more-source")
    caches[settings.REGISTRY_PAGE_CACHE].clear()
    caches[settings.REGISTRY_DATA_CACHE].clear()
    with django_assert_num_queries(small):
        response = client.get("/data/")
    assert f"<dt>Rows</dt><dd>{City.objects.count()}</dd>" in response.content.decode()


def test_the_data_page_answers_a_conditional_request_with_304(client, founding):
    etag = client.get("/data/")["ETag"]
    assert client.get("/data/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_an_invalid_as_of_on_the_data_page_is_a_400(client, founding):
    assert client.get("/data/", {"as_of": "bad"}).status_code == 400


def test_a_record_with_no_history_takes_the_registry_s_last_change(founding):
    # Records written without history (raw SQL, an older database before its baselines): every
    # file changed when the registry did.
    from registry.models import (
        Agreement,
        City,
        DataVersion,
        MemberState,
        Network,
        Officer,
        Organisation,
        Source,
    )

    for model in (Network, MemberState, City, Officer, Agreement, Organisation, Source):
        model.history.all().delete()
    changed_at = DataVersion.current().changed_at
    for state in states_by_name().values():
        assert state.modified == changed_at
        assert state.issued is None
    assert isinstance(changed_at, datetime.datetime)
