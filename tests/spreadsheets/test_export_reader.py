"""
Exports read from values (registry/spreadsheets/export_reader.py): the same cells as the per-record
export_resource(), one query whatever the number of rows, streamed workbooks.
"""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.http import FileResponse
from django.test import Client

from registry.models import (
    Agreement,
    City,
    DatePrecision,
    MemberState,
    Network,
    Officer,
    Organisation,
    Source,
)
from registry.spreadsheets.downloads import export_bytes, export_response
from registry.spreadsheets.export_reader import ExportReader
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.resources import RESOURCE_FOR_MODEL, RESOURCES, export_rows

from .. import factories
from ..spreadsheet_files import count_queries, import_file, officer_rows, read_back, registry_state


def per_record_cells(resource_class, queryset, columns=None):
    """The reference: django-import-export's export of each record as a model instance."""
    resource = resource_class()
    return [resource.export_resource(obj, columns) for obj in resource.filter_export(queryset)]


@pytest.fixture
def varied(founding):
    """The founding registry plus records with every kind of value an export has to render."""
    network = Network.objects.get(slug="ascn")
    sources = [
        factories.source(title='=HYPERLINK("http://x")', note="\tTabbed", publisher="+66"),
        factories.source(title="Báo cáo Hà Nội", published_on=datetime.date(2019, 3, 1)),
        factories.source(title="'Quoted title", url="https://example.org/a?b=c"),
    ]
    organisations = [
        factories.organisation(name="@Handle Org", abbreviation="-AO"),
        factories.organisation(name="Ủy ban Nhân dân"),
    ]
    for org in organisations:
        org.sources.set(sources[:2])
    extra_network = factories.network(
        name="Second network",
        description="=1+1",
        launch_date=datetime.date(2020, 1, 1),
        launch_date_precision=DatePrecision.YEAR,
    )
    extra_network.sources.set(sources)
    state = factories.member_state(name="État d'essai", network=network)
    state.sources.set(sources[1:])
    town = factories.city(
        name="São Tomé-like",
        member_state=state,
        latitude=Decimal("-6.20880"),
        longitude=Decimal("106.84560"),
        pilot_since=datetime.date(2019, 4, 1),
        pilot_since_precision=DatePrecision.MONTH,
        last_verified=datetime.date(2024, 5, 6),
    )
    town.sources.set(sources)
    factories.city(name="No Coordinates", member_state=state, latitude=None, longitude=None)
    csco = factories.officer(
        name="Nguyễn Thị Ánh",
        designation="-5 years in office",
        city=town,
        start_date=datetime.date(2020, 2, 1),
        end_date=None,
    )
    csco.sources.set(sources)
    factories.officer(
        name="=cmd|' /C calc'!A0",
        designation="",
        city=town,
        start_date=None,
        end_date=datetime.date(2019, 12, 31),
        last_verified=datetime.date(2024, 1, 2),
    )
    representative = factories.officer(
        name="Representative Ånd", member_state=state, designation="@Ministry"
    )
    representative.sources.set(sources[2:])
    for title, amount, currency in [
        ("Funding with cents", Decimal("1500000.50"), "AUD"),
        ("Funding whole", Decimal("100.00"), "USD"),
        ("+Plain agreement", None, ""),
    ]:
        agreement = factories.agreement(
            parties=organisations,
            title=title,
            kind=Agreement.Kind.FUNDING if amount else Agreement.Kind.AGREEMENT,
            amount=amount,
            currency=currency,
            date=datetime.date(2021, 6, 1),
            date_precision=DatePrecision.MONTH,
            summary="Résumé\nwith two lines",
        )
        agreement.sources.set(sources[:1])
    return sources


@pytest.mark.parametrize("resource_class", RESOURCES, ids=lambda r: r.__name__)
def test_rows_read_from_values_are_the_cells_of_the_per_record_export(varied, resource_class):
    queryset = resource_class._meta.model.objects.all()
    headers, rows = export_rows(queryset, resource_class)
    rows = list(rows)
    assert headers == resource_class().get_export_headers()
    assert rows == per_record_cells(resource_class, queryset)
    assert len(rows) == queryset.count() > 0
    # Equal by value is not enough: a date must stay a date and a number a Decimal.
    expected = per_record_cells(resource_class, queryset)
    assert [[type(c) for c in row] for row in rows] == [[type(c) for c in r] for r in expected]


def test_the_varied_records_hold_what_the_comparison_is_meant_to_cover(varied):
    cells = {
        cell
        for resource_class in RESOURCES
        for row in export_rows(resource_class._meta.model.objects.all(), resource_class)[1]
        for cell in row
    }
    # Cells hold the values as stored: only the CSV writer escapes formula-looking text.
    assert '=HYPERLINK("http://x")' in cells and "'Quoted title" in cells
    assert '\'Quoted title; =HYPERLINK("http://x"); Báo cáo Hà Nội' in cells
    assert {Decimal("1500000.5"), Decimal("100"), Decimal("-6.2088")} <= cells
    assert "month" in cells and "year" in cells and datetime.date(2019, 4, 1) in cells
    officer = next(
        row for row in export_rows(Officer.objects.all())[1] if row[0] == "Representative Ånd"
    )
    assert officer[2:4] == ["", MemberState.objects.get(name="État d'essai").code]


def test_filtered_ordered_and_annotated_querysets_keep_their_rows_and_order(varied):
    querysets = [
        Officer.objects.with_posts().with_sources().filter(city__name="São Tomé-like"),
        Officer.objects.order_by("-start_date", "name"),
        City.objects.with_state().order_by("-latitude"),
        MemberState.objects.with_city_counts(None).order_by("name").with_sources(),
        Agreement.objects.with_parties().with_sources().filter(amount__isnull=False),
        Source.objects.order_by("-published_on", "title"),
    ]
    for queryset in querysets:
        resource_class = RESOURCE_FOR_MODEL[queryset.model]
        rows = list(export_rows(queryset, resource_class)[1])
        assert rows == per_record_cells(resource_class, queryset), queryset.model


def test_chosen_columns_read_only_those_columns(varied):
    queryset = Officer.objects.all()
    headers, rows = export_rows(queryset, columns=["sources", "name", "member_state"])
    assert headers == ["name", "member_state", "sources"]
    assert list(rows) == per_record_cells(
        OfficerResource, queryset, ["sources", "name", "member_state"]
    )


def test_registry_url_is_each_records_get_absolute_url(varied):
    for model in (Source, MemberState, City, Officer, Agreement, Network):
        queryset = model.objects.order_by("pk")
        headers, rows = export_rows(queryset, url_for=lambda obj: obj.get_absolute_url())
        assert headers[-1] == "registry_url"
        assert [row[-1] for row in rows] == [obj.get_absolute_url() for obj in queryset]


def test_the_admin_export_reads_the_same_cells_in_one_query(varied, django_assert_num_queries):
    resource = OfficerResource()
    with django_assert_num_queries(1):
        dataset = resource.export(queryset=Officer.objects.with_posts())
    assert dataset.headers == resource.get_export_headers()
    assert [list(row) for row in dataset] == per_record_cells(
        OfficerResource, Officer.objects.with_posts()
    )


def test_a_field_with_a_dehydrate_method_is_refused_rather_than_exported_wrong(founding):
    class Dehydrated(OfficerResource):
        def dehydrate_name(self, officer):
            return officer.name.upper()

    with pytest.raises(TypeError, match="dehydrate"):
        ExportReader(Dehydrated())


# Queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_an_export_is_one_query_for_5_or_1200_officers_in_many_chunks(
    db, fmt, monkeypatch, django_assert_num_queries
):
    # 100 rows a chunk: the larger export reads 12 of them.
    monkeypatch.setattr(OfficerResource, "get_chunk_size", lambda self: 100)
    source_a, source_b = factories.source(), factories.source()
    town = factories.city()

    def add_officers(count):
        officers = Officer.objects.bulk_create(
            Officer(name=f"Officer {n:04}", city=town, start_date=datetime.date(2020, 1, 1))
            for n in range(Officer.objects.count(), Officer.objects.count() + count)
        )
        Through = Officer.sources.through
        Through.objects.bulk_create(
            Through(officer_id=officer.pk, source_id=source.pk)
            for officer in officers
            for source in (source_a, source_b)
        )

    add_officers(5)
    with django_assert_num_queries(1):
        small = export_bytes(Officer.objects.all(), fmt)
    add_officers(1195)
    with django_assert_num_queries(1):
        large = export_bytes(Officer.objects.all(), fmt)
    rows = read_back(large, fmt)
    assert len(read_back(small, fmt)) == 5 and len(rows) == 1200
    assert set(rows["sources"]) == {"; ".join(sorted([source_a.title, source_b.title]))}


# Workbooks --------------------------------------------------------------------------------


def test_xlsx_download_is_sent_from_a_temporary_file_and_imports_back_unchanged(varied):
    response = export_response(Officer.objects.all(), "xlsx", filename="officers.xlsx")
    assert isinstance(response, FileResponse)
    assert response["Content-Disposition"] == 'attachment; filename="officers.xlsx"'
    data = b"".join(response.streaming_content)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "officers" and sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold and not sheet["A2"].font.bold
    before = registry_state()
    result = OfficerResource().import_data(read_back(data, "xlsx"))
    assert not result.refused, result.report()
    assert result.totals["skip"] == Officer.objects.count()
    assert registry_state() == before


def test_xlsx_replaces_characters_that_xml_cannot_hold(founding):
    source = factories.source(title="Control", note="bell\x07, vertical tab\x0b, \ufffe")
    sheet = read_back(export_bytes(Source.objects.filter(pk=source.pk), "xlsx"), "xlsx")
    assert sheet["note"] == ["bell\ufffd, vertical tab\ufffd, \ufffd"]


def test_xlsx_writes_text_as_text_never_as_a_formula_link_or_number():
    from openpyxl import load_workbook

    from registry.spreadsheets.writers import write_xlsx

    data = write_xlsx([("t", ["cell"], [["=1+1"], ["https://example.org"], ["0012"], [7]])])
    cells = [row[0] for row in load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in cells] == [
        ("=1+1", "s"),
        ("https://example.org", "s"),
        ("0012", "s"),
        (7, "n"),
    ]
    assert all(c.hyperlink is None for c in cells)


def test_public_json_download_streams_in_chunks_with_urls(varied):
    response = Client().get("/officers/", {"format": "json", "current": "all"})
    chunks = list(response.streaming_content)
    records = json.loads(b"".join(chunks))
    assert len(records) == Officer.objects.count()
    by_name = {record["name"]: record for record in records}
    assert by_name["Representative Ånd"]["registry_url"].endswith(
        MemberState.objects.get(name="État d'essai").get_absolute_url()
    )
    assert by_name["Nguyễn Thị Ánh"]["registry_url"].endswith(
        City.objects.get(name="São Tomé-like").get_absolute_url()
    )


def test_export_registry_writes_the_workbook_straight_to_its_file(varied, tmp_path):
    from django.core.management import call_command

    from registry.spreadsheets.files import read_workbook
    from registry.spreadsheets.workbook import export_workbook

    path = tmp_path / "registry.xlsx"
    err = io.StringIO()
    call_command("export_registry", str(path), stderr=err)
    assert f"({path.stat().st_size:,} bytes)" in err.getvalue()
    written = {name: sheet.dict for name, sheet in read_workbook(path.read_bytes()).items()}
    assert written == {
        name: sheet.dict for name, sheet in read_workbook(export_workbook("xlsx")).items()
    }
    assert len(written["organisations"]) == Organisation.objects.count()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_queries_do_not_grow_with_the_table(founding, fmt):
    small = len(count_queries(lambda: export_bytes(Officer.objects.all(), fmt)))
    import_file(OfficerResource, officer_rows(300))
    large = len(count_queries(lambda: export_bytes(Officer.objects.all(), fmt)))
    assert small == large
