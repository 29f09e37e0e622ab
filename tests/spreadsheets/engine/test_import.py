"""The import engine: checks as full_clean() does, each value once, few queries per file."""

import csv
import gc
import io

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.db.models.signals import post_init

from registry.models import City, Officer
from registry.spreadsheets import gc_pause
from registry.spreadsheets.engine.prepare import normalise_text
from registry.spreadsheets.officers import OfficerResource

from ...spreadsheet_files import (
    count_queries,
    csv_bytes,
    import_file,
    officer_rows,
    registry_state,
)


def errors_of(check):
    try:
        check()
    except ValidationError as error:
        return error.message_dict
    return {}


def bad_officers():
    """Three records full_clean() refuses, for different reasons, and one it accepts."""
    return [
        Officer(name="x" * 201, role="mayor", city_id=1),
        Officer(name="", designation="y" * 501, role=Officer.Role.CSCO, member_state_id=1),
        Officer(name="Ok", start_date="2020-13-01", version=-1, city_id=1),
        Officer(name="Ok", role=Officer.Role.NATIONAL_REPRESENTATIVE, member_state_id=1),
    ]


def test_the_import_checks_each_record_as_full_clean_does(founding):
    resource = OfficerResource()
    resource.reset_import_state()
    relations = {f.name for f in Officer._meta.get_fields() if f.is_relation}
    # The second time round every value is remembered: the same answers.
    for _round in range(2):
        expected = [
            errors_of(
                lambda o=o: o.full_clean(
                    exclude=relations, validate_unique=False, validate_constraints=False
                )
            )
            for o in bad_officers()
        ]
        assert [bool(errors) for errors in expected] == [True, True, True, False]
        assert [errors_of(lambda o=o: resource.full_clean(o)) for o in bad_officers()] == expected


def test_an_unhashable_value_is_checked_without_being_remembered(founding):
    resource = OfficerResource()
    resource.reset_import_state()
    officer = Officer(name=["a", "list"], role=Officer.Role.CSCO)
    resource.clean_fields(officer)
    assert officer.name == "['a', 'list']"
    assert not any(key[0] == "name" for key in resource.cleaned_values)


def test_each_distinct_value_of_a_column_is_checked_once_per_file(founding, monkeypatch):
    role = Officer._meta.get_field("role")
    checked = []
    clean = role.clean
    monkeypatch.setattr(
        role, "clean", lambda value, instance: checked.append(value) or clean(value, instance)
    )
    result = import_file(OfficerResource, officer_rows(40), dry_run=True)
    assert not result.refused, result.report()
    assert checked == ["csco"]


def test_rows_that_share_a_bad_value_each_report_it(founding):
    long_name = "x" * 201
    rows = [
        ["name", "city", "member_state"],
        [long_name, "Bangkok", "TH"],
        [long_name, "Phuket", "TH"],
    ]
    before = registry_state()
    report = import_file(OfficerResource, csv_bytes(rows)).report()
    for line in (2, 3):
        assert (
            f"line {line}, column name: The text is 201 characters long; at most 200 are allowed"
            in report
        )
    assert registry_state() == before


@pytest.mark.parametrize(
    "cell", ["  plain  ", "'=SUM(A1)", "''quoted", "tab\there", " Hà Nội ", "a\r\nb", "Cafe\u0301"]
)
def test_every_text_cell_is_normalised_alike_whatever_its_characters(cell):
    dataset = tablib.Dataset(["Someone", cell, "Bangkok"], headers=["name", "designation", "city"])
    dataset.formula_escaped = True  # as a CSV file's dataset is
    OfficerResource().prepare(dataset)
    assert dataset.dict[0]["designation"] == normalise_text(cell)


def test_each_post_a_file_names_is_looked_up_once(founding, monkeypatch):
    asked = []
    find_post = OfficerResource.find_post

    def counting(self, city, state):
        asked.append((city, state))
        return find_post(self, city, state)

    monkeypatch.setattr(OfficerResource, "find_post", counting)
    rows = officer_rows(60)
    assert not import_file(OfficerResource, rows, dry_run=True).refused
    pairs = {(r["city"], r["member_state"]) for r in csv.DictReader(io.StringIO(rows.decode()))}
    assert sorted(asked) == sorted(pairs)


def test_a_new_record_is_a_fresh_copy_of_what_the_model_gives(founding):
    resource = OfficerResource()
    resource.reset_import_state()
    made = [resource.init_instance() for _ in range(3)]
    fields = [f.attname for f in Officer._meta.concrete_fields]
    expected = [getattr(Officer(), name) for name in fields]
    for instance in made:
        assert [getattr(instance, name) for name in fields] == expected
        assert instance._state.adding and instance._state.db is None
    made[1].name = "Changed"
    made[1].city = City.objects.first()
    assert made[2].name == "" and made[2].city_id is None
    assert resource.init_instance().name == ""
    assert len({id(instance._state) for instance in made}) == 3


def test_a_model_with_init_listeners_gets_model_itself(founding):
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listener, sender=Officer)
    try:
        resource = OfficerResource()
        resource.reset_import_state()
        made = [resource.init_instance() for _ in range(3)]
    finally:
        post_init.disconnect(listener, sender=Officer)
    assert seen == made


def test_an_import_runs_with_the_cyclic_collector_paused_and_restores_it(founding, monkeypatch):
    states = []
    validate = OfficerResource.validate_instance

    def recording(self, *args, **kwargs):
        states.append(gc.isenabled())
        return validate(self, *args, **kwargs)

    monkeypatch.setattr(OfficerResource, "validate_instance", recording)
    assert not import_file(OfficerResource, officer_rows(3)).refused
    assert states == [False, False, False]
    assert gc.isenabled()


def test_the_collector_is_restored_after_an_error_and_left_off_if_it_was():
    with pytest.raises(RuntimeError), gc_pause.paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_pause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_import_reads_each_related_table_once_whatever_the_file_size(founding):
    small = count_queries(lambda: import_file(OfficerResource, officer_rows(20), dry_run=True))
    large = count_queries(lambda: import_file(OfficerResource, officer_rows(400), dry_run=True))
    selects = [
        [q for q in run if q.lstrip().upper().startswith("SELECT")] for run in (small, large)
    ]
    assert len(selects[0]) == len(selects[1])


def split_history(queries):
    """(queries on the registry's tables, queries on its change history)."""
    history = [q for q in queries if "registry_historical" in q]
    return [q for q in queries if q not in history], history


def test_import_makes_at_most_one_query_per_twenty_rows(founding):
    queries = count_queries(lambda: import_file(OfficerResource, officer_rows(1000)))
    assert Officer.objects.count() == 1028
    registry, history = split_history(queries)
    assert len(registry) <= 1000 * 0.05
    # The history is written in batches too, as many queries again at most (SQLite takes
    # fewer rows per INSERT than PostgreSQL).
    assert 1 <= len(history) <= 1000 * 0.05
    updates = count_queries(
        lambda: import_file(
            OfficerResource, officer_rows(1000).replace(b"Designation", b"Changed")
        )
    )
    assert Officer.objects.filter(designation="Changed").count() == 1000
    registry, history = split_history(updates)
    assert len(registry) <= 1000 * 0.05
    assert 1 <= len(history) <= 1000 * 0.05
