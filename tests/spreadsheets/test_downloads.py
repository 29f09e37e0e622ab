"""export_response() and export_bytes(): streamed and whole downloads of a queryset."""

import csv
import io
import json

from django.http import StreamingHttpResponse

from registry.models import Agreement, City, MemberState, Officer
from registry.spreadsheets.downloads import export_bytes, export_response

from ..spreadsheet_files import read_back


def test_export_response_streams_csv_of_a_filtered_queryset(founding):
    response = export_response(City.objects.filter(member_state__code="VN"), "csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="city.csv"'
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(r["name"] for r in rows) == ["Da Nang", "Hanoi", "Ho Chi Minh City"]


def test_export_response_streams_json_and_builds_workbooks(founding):
    response = export_response(Officer.objects.filter(city__name="Davao City"), "json")
    records = json.loads(b"".join(response.streaming_content))
    assert {r["city"] for r in records} == {"Davao City"}
    assert len(records) == 2
    for fmt in ("xlsx", "ods"):
        response = export_response(Agreement.objects.all(), fmt, filename=f"a.{fmt}")
        # XLSX is sent from a temporary file (a FileResponse), ODS from memory.
        data = b"".join(response.streaming_content) if response.streaming else response.content
        assert (
            read_back(data, fmt).dict
            == read_back(export_bytes(Agreement.objects.all(), fmt), fmt).dict
        )


def test_export_bytes_can_limit_the_columns(founding):
    data = export_bytes(MemberState.objects.all(), "json", columns=["code", "name"])
    assert json.loads(data)[0] == {"code": "BN", "name": "Brunei Darussalam"}


def test_a_download_named_in_any_script_has_an_ascii_fallback_and_its_utf8_name(founding):
    for fmt in ("csv", "xlsx", "ods"):
        response = export_response(City.objects.all(), fmt, filename=f"เมือง Đà Nẵng.{fmt}")
        header = response["Content-Disposition"]
        assert header.startswith('attachment; filename="')
        assert header.split('"')[1].isascii() and header.split('"')[1].endswith(f"Nang.{fmt}")
        assert header.endswith(
            "; filename*=utf-8''%E0%B9%80%E0%B8%A1%E0%B8%B7%E0%B8%AD%E0%B8%87"
            f"%20%C4%90%C3%A0%20N%E1%BA%B5ng.{fmt}"
        )
