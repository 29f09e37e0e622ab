"""
New rows written with PostgreSQL's COPY (registry/spreadsheets/engine/pgcopy.py): the same records, history
and many-to-many rows as bulk_create() writes, ids included; a constraint the database enforces
still refuses the whole file; and a fixed number of statements per batch, whatever the file.
"""

from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from registry.history import recorded_as
from registry.models import City, Officer, Source
from registry.spreadsheets.engine.resource import RegistryResource
from registry.spreadsheets.officers import OfficerResource
from registry.spreadsheets.resources import CityResource

from ...spreadsheet_files import csv_bytes, officer_rows, read_back, registry_state

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="COPY is PostgreSQL's; SQLite keeps bulk_create() (set DATABASE_URL to run these)",
    ),
]


def officers_with_sources(n):
    """`n` new officers, every third one with two sources and every third one with none."""
    titles = list(Source.objects.order_by("title").values_list("title", flat=True)[:2])
    cities = list(City.objects.values_list("name", "member_state__code"))
    rows = [["name", "designation", "city", "member_state", "role", "start_date", "sources"]]
    for i in range(n):
        city, state = cities[i % len(cities)]
        sources = ["; ".join(titles), titles[0], ""][i % 3]
        rows.append(
            [f"Copied {i}", f"Title {i}", city, state, "", f"2019-0{1 + i % 9}-01", sources]
        )
    return csv_bytes(rows)


def written(user):
    """What an import of officers wrote, by natural key: records, history and sources."""
    officers = Officer.objects.filter(name__startswith="Copied ")
    by_id = {o.pk: o.name for o in officers}
    records = {
        o.name: (o.designation, o.role, o.city_id, o.member_state_id, o.start_date, o.version)
        for o in officers
    }
    history = {
        by_id[h.id]: (h.history_type, h.history_user_id, h.history_change_reason, h.designation)
        for h in Officer.history.filter(id__in=by_id)
    }
    links = sorted(
        (by_id[officer_id], source_id)
        for officer_id, source_id in Officer.sources.through.objects.filter(
            officer_id__in=by_id
        ).values_list("officer_id", "source_id")
    )
    m2m_history = Officer._history_records.m2m_models[Officer._meta.get_field("sources")]
    history_links = sorted(
        (by_id[row.history.id], row.source_id, row.history.history_type)
        for row in m2m_history.objects.filter(history__id__in=by_id).select_related("history")
    )
    return records, history, links, history_links


def import_officers(data, user):
    with recorded_as(user=user):
        result = OfficerResource().import_data(read_back(data, "csv"), file_name="officers.csv")
    assert not result.refused, result.report()
    return result


def test_copy_writes_the_records_history_and_sources_that_bulk_create_writes(founding, editor):
    data = officers_with_sources(2500)  # three batches: 1000, 1000, 500
    with transaction.atomic():
        with mock.patch.object(RegistryResource, "uses_copy", return_value=False):
            import_officers(data, editor)
        by_bulk_create = written(editor)
        transaction.set_rollback(True)
    import_officers(data, editor)
    by_copy = written(editor)

    assert len(by_copy[0]) == 2500
    assert by_copy[2] and by_copy[3]  # sources and their history were written
    assert by_copy == by_bulk_create


def test_copy_sets_the_ids_the_database_holds(founding, editor):
    result = import_officers(officers_with_sources(30), editor)
    ids = {row.object_id for row in result.rows}
    assert None not in ids
    assert ids == set(
        Officer.objects.filter(name__startswith="Copied ").values_list("pk", flat=True)
    )
    # Every historical record copies its record's id; every source link names a new record.
    assert set(Officer.history.filter(id__in=ids).values_list("id", flat=True)) == ids
    assert (
        set(
            Officer.sources.through.objects.filter(officer_id__in=ids).values_list(
                "officer_id", flat=True
            )
        )
        <= ids
    )
    # Ids reserved from the sequence: the next record saved the ordinary way follows them.
    later = Officer.objects.create(name="Later", city=City.objects.first())
    assert later.pk > max(ids)


def test_copy_writes_every_concrete_field_including_database_defaults(founding):
    result = import_officers(officer_rows(5), None)
    officer = Officer.objects.get(pk=result.rows[0].object_id)
    assert officer.version == 1
    assert officer.history.get().version == 1
    assert officer.history.get().history_user is None


def test_a_constraint_violated_in_a_copy_refuses_the_whole_file(founding):
    """A row that passes the import's checks but not the database's (here: the end date
    before the start date, with Officer.clean() made to let it through) in the third batch:
    the first two batches, already copied, are rolled back with it."""
    rows = [["name", "city", "member_state", "start_date", "end_date"]]
    cities = list(City.objects.values_list("name", "member_state__code"))
    for i in range(2500):
        city, state = cities[i % len(cities)]
        end = "2010-01-01" if i == 2200 else ""
        rows.append([f"Copied {i}", city, state, "2019-01-01", end])
    before = registry_state()
    with mock.patch.object(Officer, "clean", lambda self: None):
        result = OfficerResource().import_data(read_back(csv_bytes(rows), "csv"))
    assert result.refused
    report = result.report()
    assert "The database refused the rows" in report
    assert "registry_officer_end_after_start" in report
    assert "nothing was written" in report
    assert registry_state() == before
    assert not Officer.objects.filter(name__startswith="Copied ").exists()


def test_a_duplicate_key_in_a_copy_refuses_the_whole_file(founding):
    """A city whose slug another process took after the file was checked: the unique index
    refuses the COPY, and nothing of the file is written."""
    data = csv_bytes([["name", "member_state"], ["Copytown", "TH"], ["Copyville", "TH"]])
    before = registry_state()
    original = RegistryResource.persist_new

    def taken_meanwhile(self, instances, batch_size=None):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {City._meta.db_table} SET slug = %s WHERE id = %s",
                [instances[1].slug, City.objects.order_by("pk").first().pk],
            )
        original(self, instances, batch_size)

    with mock.patch.object(RegistryResource, "persist_new", taken_meanwhile):
        result = CityResource().import_data(read_back(data, "csv"))
    assert result.refused
    assert "The database refused the rows (duplicate key value" in result.report()
    assert registry_state() == before


def closed_tenures(n):
    """`n` past tenures: no open CSCO tenure to replace, so only the new rows are written."""
    cities = list(City.objects.values_list("name", "member_state__code"))
    rows = [["name", "city", "member_state", "start_date", "end_date"]]
    for i in range(n):
        city, state = cities[i % len(cities)]
        rows.append([f"Copied {i}", city, state, "2019-01-01", "2019-12-31"])
    return csv_bytes(rows)


def count_statements(data):
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            import_officers(data, None)
        transaction.set_rollback(True)
    return [q["sql"] for q in queries]


def test_an_import_of_one_batch_makes_as_many_statements_whatever_its_size(founding):
    small = count_statements(closed_tenures(10))
    large = count_statements(closed_tenures(900))
    copies = [sql.split()[1] for sql in large if sql.startswith("COPY ")]
    assert copies == [  # each COPY is one statement: the records, then their history
        f'"{Officer._meta.db_table}"',
        f'"{Officer.history.model._meta.db_table}"',
    ]
    assert len(small) == len(large)


def test_statements_grow_by_batches_not_rows(founding):
    one_batch = count_statements(closed_tenures(900))
    three_batches = count_statements(closed_tenures(2900))
    # Per batch of 1,000 rows: its savepoints, ids for the records and for their history,
    # and the two COPYs.
    assert len(three_batches) - len(one_batch) == 2 * 8


def test_each_table_s_id_sequence_is_looked_up_once_per_import(founding):
    statements = count_statements(closed_tenures(2900))
    lookups = [sql for sql in statements if "pg_get_serial_sequence" in sql]
    reservations = [sql for sql in statements if "nextval(" in sql]
    # The records' and the history's sequences, then ids for three batches of each.
    assert len(lookups) == 2
    assert len(reservations) == 6
    assert all("pg_get_serial_sequence" not in sql for sql in reservations)
