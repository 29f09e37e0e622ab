"""Open data: each public list as CSV, JSON and XLSX, exactly the rows its filters select."""

import csv
import datetime
import io
import json

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_script_prefix

from registry.models import City, MemberState, Officer
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.resources import (
    AgreementResource,
    CityResource,
    MemberStateResource,
    SourceResource,
)

from . import factories

pytestmark = pytest.mark.django_db

LISTS = [
    ("/member-states/", MemberStateResource, "member-states"),
    ("/cities/", CityResource, "cities"),
    ("/officers/", OfficerResource, "officers"),
    ("/agreements/", AgreementResource, "agreements"),
    ("/sources/", SourceResource, "sources"),
]


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response):
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV downloads start with a BOM for Excel"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(body(response)), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def json_rows(response):
    return json.loads(body(response))


@pytest.mark.parametrize(("url", "resource_class", "name"), LISTS)
def test_every_list_downloads_in_three_formats_with_the_staff_export_columns(
    client, founding, url, resource_class, name
):
    headers = resource_class().get_export_headers()
    model = resource_class._meta.model
    for file_format in ("csv", "xlsx", "json"):
        response = client.get(url, {"format": file_format})
        assert response.status_code == 200, (url, file_format)
        assert (
            response["Content-Disposition"] == f'attachment; filename="ascn-{name}.{file_format}"'
        )
        if file_format == "json":
            rows = json_rows(response)
            assert all(list(row) == [*headers, "registry_url"] for row in rows)
            count = len(rows)
        else:
            rows = csv_rows(response) if file_format == "csv" else xlsx_rows(response)
            assert rows[0] == headers
            count = len(rows) - 1
        expected = Officer.objects.current().count() if model is Officer else model.objects.count()
        assert count == expected, (url, file_format)


def test_download_holds_exactly_the_filtered_rows(client, founding):
    rows = csv_rows(client.get("/cities/", {"member_state": "th", "format": "csv"}))
    names = [row[rows[0].index("name")] for row in rows[1:]]
    assert names == ["Bangkok", "Chonburi", "Phuket"]

    officers = json_rows(client.get("/officers/", {"q": "kinabalu", "format": "json"}))
    assert {row["name"] for row in officers} == {
        "Stanley Chong Hon Chung",
        "Tantinny Fung Chew Li",
    }

    mous = json_rows(client.get("/agreements/", {"kind": "mou", "format": "json"}))
    assert [row["title"] for row in mous] == ["MOU between JETRO and UNDP"]


def test_download_holds_all_pages_not_just_the_first(client, founding):
    thailand = MemberState.objects.get(code="TH")
    for n in range(60):
        factories.city(name=f"Town {n:02}", slug=f"town-{n:02}", member_state=thailand)
    page = client.get("/cities/", {"member_state": "TH"})
    assert len(page.context["object_list"]) == 50
    rows = xlsx_rows(client.get("/cities/", {"member_state": "TH", "format": "xlsx"}))
    assert len(rows) - 1 == 63


def test_officer_download_follows_current_all_and_as_of(client, founding):
    phnom_penh = City.objects.get(name="Phnom Penh")
    factories.officer(
        name="Earlier Holder",
        city=phnom_penh,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2017, 12, 31),
    )
    current = {row["name"] for row in json_rows(client.get("/officers/?format=json"))}
    every = {row["name"] for row in json_rows(client.get("/officers/?current=all&format=json"))}
    assert "Earlier Holder" not in current
    assert "Earlier Holder" in every
    assert len(every) == len(current) + 1

    response = client.get("/officers/", {"as_of": "2016-06-01", "format": "json"})
    assert "Earlier Holder" in {row["name"] for row in json_rows(response)}
    assert 'filename="ascn-officers-2016-06-01.json"' in response["Content-Disposition"]


def test_json_has_iso_dates_and_canonical_urls(client, founding):
    cities = json_rows(client.get("/cities/", {"member_state": "KH", "format": "json"}))
    phnom_penh = next(row for row in cities if row["name"] == "Phnom Penh")
    assert phnom_penh["registry_url"] == "http://testserver/cities/phnom-penh/"
    assert phnom_penh["pilot_since"] == "2018-04-01"
    assert phnom_penh["member_state"] == "KH"

    agreements = json_rows(client.get("/agreements/?format=json"))
    mou = next(row for row in agreements if row["kind"] == "mou")
    assert mou["date"] == "2018-07-08"
    assert mou["registry_url"] == "http://testserver/agreements/mou-jetro-undp/"


def test_canonical_urls_keep_the_scheme_host_and_prefix_the_site_is_served_under(client, founding):
    with override_script_prefix("/ascn/"):
        response = client.get("/cities/", {"member_state": "KH", "format": "json"}, secure=True)
        cities = json_rows(response)
    phnom_penh = next(row for row in cities if row["name"] == "Phnom Penh")
    assert phnom_penh["registry_url"] == "https://testserver/ascn/cities/phnom-penh/"


def test_csv_neutralises_formulas_and_xlsx_keeps_numbers(client, founding):
    factories.city(
        name='=HYPERLINK("http://evil.example","x")',
        slug="formula",
        member_state=MemberState.objects.get(code="SG"),
        latitude="-6.20880",
        longitude="106.84560",
    )
    rows = csv_rows(client.get("/cities/", {"member_state": "SG", "format": "csv"}))
    names = [row[rows[0].index("name")] for row in rows[1:]]
    assert all(not name.startswith(("=", "+", "-", "@")) for name in names)
    assert any("HYPERLINK" in name for name in names)

    rows = xlsx_rows(client.get("/cities/", {"member_state": "SG", "format": "xlsx"}))
    latitude = rows[0].index("latitude")
    formula_row = next(row for row in rows[1:] if "HYPERLINK" in str(row[0]))
    assert isinstance(formula_row[latitude], int | float)
    assert formula_row[latitude] == pytest.approx(-6.2088)
    # A typed text cell holding the name exactly as stored, not a formula.
    assert formula_row[0] == '=HYPERLINK("http://evil.example","x")'


def test_invalid_filter_with_a_format_is_a_400_page_not_a_file(client, founding):
    response = client.get("/cities/", {"member_state": "XX", "format": "csv"})
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert b"<form" in response.content


def test_list_pages_link_to_their_downloads_keeping_the_filters(client, founding):
    response = client.get("/cities/", {"member_state": "TH", "page": "1"})
    html = response.content.decode()
    assert 'href="?member_state=TH&amp;format=csv"' in html
    assert 'href="?member_state=TH&amp;format=json"' in html
    assert 'href="?member_state=TH&amp;format=xlsx"' in html


@pytest.mark.parametrize("file_format", ["csv", "json", "xlsx"])
def test_download_queries_do_not_grow_with_the_table(client, founding, file_format):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/cities/", {"format": file_format})
            body(response)
        return len(captured)

    small = queries()
    thailand = MemberState.objects.get(code="TH")
    for n in range(150):
        city = factories.city(name=f"Extra {n}", slug=f"extra-{n}", member_state=thailand)
        factories.officer(city=city)
    assert queries() == small
