"""
Property-based round trips: for generated registries (names in six scripts, dated, open and
overlapping tenures, formula-looking text, tabs and line breaks, amounts), every table exported
and imported into an emptied database is the registry again, and importing it a second time
changes nothing: no record, no record's version, no history, no data version. CSV, XLSX, ODS
and JSON, and the workbook.
"""

import datetime
import decimal
import os
import tempfile
import unicodedata

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from registry.models import Agreement, City, MemberState, Network, Officer, Organisation, Source
from registry.spreadsheets.downloads import export_bytes
from registry.spreadsheets.resources import RESOURCES
from registry.spreadsheets.widgets import name_key
from registry.spreadsheets.workbook import export_workbook, import_workbook

from ..registry_states import REGISTRY_MODELS, empty_registry, record_versions, registry_records
from ..spreadsheet_files import read_back, registry_state

pytestmark = pytest.mark.django_db

WORDS = [
    # Latin and Vietnamese, Thai, Lao, Khmer, Burmese.
    *["Bandar", "Seri", "Cebu", "O'Brien", "Hà Nội", "Đà Nẵng", "Nguyễn Thị Hương", "Huế"],
    *["กรุงเทพมหานคร", "ภูเก็ต", "สมชาย", "ใจดี", "เชียงใหม่"],
    *["ວຽງຈັນ", "ຫຼວງພະບາງ", "ສົມພອນ"],
    *["ភ្នំពេញ", "សៀមរាប", "សុខ", "ដារ៉ា"],
    *["ရန်ကုန်", "မန္တလေး", "အောင်", "ကျော်"],
]
# Text a spreadsheet program would run as a formula if it were written as is.
FORMULA_LIKE = ["=1+2", "+84 24 3825 3536", "-5%", "@SUM(A1)", "'quoted"]

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
one_line = st.one_of(words, st.tuples(st.sampled_from(FORMULA_LIKE), words).map(" ".join))
multi_line = st.lists(
    st.one_of(one_line, st.tuples(words, words).map("\t".join)), min_size=0, max_size=3
).map("\n".join)
dates = st.dates(min_value=datetime.date(2015, 1, 1), max_value=datetime.date(2030, 12, 31))
amounts = st.decimals(min_value=0, max_value=10**11, places=2, allow_nan=False)


def distinct_names(minimum, maximum):
    return st.lists(one_line, min_size=minimum, max_size=maximum, unique_by=name_key)


@st.composite
def tenures(draw, names):
    """Tenures of one post: dated, undated, open and ended, overlapping as they come."""
    chosen = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(names))
        start = draw(st.none() | dates)
        end = draw(st.none() | dates)
        if start and end and end < start:
            start, end = end, start
        if all((name_key(n), s) != (name_key(name), start) for n, s, _e in chosen):
            chosen.append((name, start, end))
    return chosen


@st.composite
def registries(draw):
    return {
        "sources": draw(
            st.lists(
                st.tuples(one_line, multi_line), max_size=3, unique_by=lambda s: name_key(s[0])
            )
        ),
        "cities": draw(distinct_names(1, 3)),
        "people": draw(distinct_names(1, 4)),
        "designation": draw(one_line),
        "tenures": draw(st.data()),
        "agreements": draw(
            st.lists(
                st.tuples(one_line, multi_line, st.none() | amounts),
                max_size=2,
                unique_by=lambda a: name_key(a[0]),
            )
        ),
    }


def build(spec):
    """The registry a spec describes, written as staff would (saves with history)."""
    empty_registry()
    network = Network.objects.create(name="ASEAN Smart Cities Network", slug="ascn")
    state = MemberState.objects.create(
        code="KH", code_alpha3="KHM", name="Cambodia", slug="cambodia", network=network
    )
    sources = [
        Source.objects.create(
            title=unicodedata.normalize("NFC", title), slug=f"source-{i}", note=note
        )
        for i, (title, note) in enumerate(spec["sources"])
    ]
    for i, name in enumerate(spec["cities"]):
        city = City.objects.create(
            name=name,
            slug=f"city-{i}",
            member_state=state,
            network=network,
            latitude=decimal.Decimal("11.55690"),
            longitude=decimal.Decimal("104.92820"),
        )
        city.sources.set(sources[: i + 1])
        for name, start, end in spec["tenures"].draw(tenures(spec["people"])):
            Officer.objects.create(
                name=name,
                designation=spec["designation"],
                city=city,
                start_date=start,
                end_date=end,
            )
    for name, start, end in spec["tenures"].draw(tenures(spec["people"])):
        Officer.objects.create(
            name=name,
            member_state=state,
            role=Officer.Role.NATIONAL_REPRESENTATIVE,
            start_date=start,
            end_date=end,
        )
    party = Organisation.objects.create(name="United Nations Development Programme", slug="undp")
    for i, (title, summary, amount) in enumerate(spec["agreements"]):
        agreement = Agreement.objects.create(
            title=title,
            slug=f"agreement-{i}",
            kind=Agreement.Kind.FUNDING,
            summary=summary,
            amount=amount,
            currency="AUD" if amount is not None else "",
            network=network,
        )
        agreement.parties.set([party])


def export_tables(fmt):
    """Each table's file; an empty table has none (a file of headers only is refused)."""
    return [
        (resource, export_bytes(resource._meta.model.objects.all(), fmt, resource))
        for resource in RESOURCES
        if resource._meta.model.objects.exists()
    ]


def import_tables(files, fmt):
    written = 0
    for resource, data in files:
        result = resource().import_data(read_back(data, fmt))
        assert not result.refused, result.report()
        written += result.totals["new"] + result.totals["update"]
    return written


ROUND_TRIP = settings(
    max_examples=15,
    deadline=None,
    # Bounded: a failing case is reported as found (shrinking imports takes minutes).
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods", "json"])
@ROUND_TRIP
@given(spec=registries())
def test_every_table_exported_and_imported_into_an_emptied_database_is_the_registry(fmt, spec):
    build(spec)
    before = registry_records()
    files = export_tables(fmt)
    empty_registry()
    import_tables(files, fmt)
    assert registry_records() == before
    # A restored record's version is its own count of saves; the second import adds none.
    after_once, versions = registry_state(), record_versions()
    assert import_tables(files, fmt) == 0
    assert registry_state() == after_once
    assert record_versions() == versions
    assert registry_records() == before


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
@ROUND_TRIP
@given(spec=registries())
def test_the_workbook_restored_into_an_emptied_database_is_the_registry(fmt, spec):
    build(spec)
    before = registry_records()
    workbook = export_workbook(fmt)
    empty_registry()
    result = import_workbook(workbook, fmt)
    assert not result.refused, result.report()
    assert registry_records() == before
    after_once, versions = registry_state(), record_versions()
    again = import_workbook(workbook, fmt)
    assert all(r.totals["new"] + r.totals["update"] == 0 for _sheet, r in again.results)
    assert registry_state() == after_once
    assert record_versions() == versions
    # The registry's own export, imported over it, changes nothing either.
    own = import_workbook(export_workbook(fmt), fmt)
    assert all(r.totals["new"] + r.totals["update"] == 0 for _sheet, r in own.results)
    assert registry_state() == after_once
    assert record_versions() == versions


REGISTRY_DUMP = [f"registry.{model._meta.model_name}" for model in REGISTRY_MODELS]


@ROUND_TRIP
@given(spec=registries())
def test_the_registry_dump_loaded_into_an_emptied_database_is_the_registry(spec):
    build(spec)
    before = registry_records()
    with tempfile.TemporaryDirectory() as directory:
        dump = os.path.join(directory, "registry.json")
        call_command(
            "dumpdata", *REGISTRY_DUMP, natural_foreign=True, natural_primary=True, output=dump
        )
        empty_registry()
        call_command("loaddata", dump, verbosity=0)
        assert registry_records() == before
        # No rule re-fires on a load, and loading it again changes nothing.
        call_command("loaddata", dump, verbosity=0)
    assert registry_records() == before
