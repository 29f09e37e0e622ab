"""The benchmark's data generator and report writer (bench/); nothing here is timed."""

import csv
import datetime
import unicodedata
from collections import Counter

import pytest

from bench import data, results, targets
from bench.runner import QUICK, best_of
from registry.identifiers import validate_registry_slug

SEED = 7


@pytest.fixture(scope="module")
def cities():
    return data.generate_cities(total=120, seed=SEED)


@pytest.fixture(scope="module")
def officers(cities):
    return data.generate_officers(1500, cities, seed=SEED)


def test_same_seed_gives_the_same_cities_and_officers(cities, officers):
    again = data.generate_cities(total=120, seed=SEED)
    assert again == cities
    assert data.generate_officers(1500, again, seed=SEED) == officers


def test_another_seed_gives_other_rows(cities, officers):
    other_cities = data.generate_cities(total=120, seed=SEED + 1)
    assert [c.name for c in other_cities] != [c.name for c in cities]
    assert data.generate_officers(1500, cities, seed=SEED + 1) != officers


def test_same_seed_writes_the_same_csv_bytes(tmp_path, officers):
    first = data.write_csv(tmp_path / "a.csv", officers).read_bytes()
    second = data.write_csv(tmp_path / "b.csv", list(officers)).read_bytes()
    assert first == second
    assert first.decode("utf-8").splitlines()[0] == ",".join(data.OFFICER_COLUMNS)


def test_xlsx_holds_the_same_rows_with_date_cells(tmp_path, officers):
    from openpyxl import load_workbook

    path = data.write_xlsx(tmp_path / "officers.xlsx", officers[:50])
    rows = list(load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == data.OFFICER_COLUMNS
    for row, expected in zip(rows[1:], officers[:50], strict=True):
        assert row[0] == expected["name"]
        assert row[5].date() == datetime.date.fromisoformat(expected["start_date"])


def test_cities_are_the_founding_ones_plus_unique_generated_ones(cities):
    states, founding = data.founding_registry()
    assert sorted(states) == ["BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "VN"]
    assert cities[: len(founding)] == founding
    assert len(cities) == 120
    assert len({c.name.casefold() for c in cities}) == 120
    assert len({c.slug for c in cities}) == 120
    assert all(c.slug.isascii() and c.slug for c in cities)
    # Written with COPY, past the model's validation: each one must be a slug it accepts.
    for city in cities:
        validate_registry_slug(city.slug)
    assert {c.member_state for c in cities} == set(states)


def test_two_thousand_cities_spread_over_every_member_state():
    cities = data.generate_cities(total=QUICK.cities)
    assert len(cities) == 2000
    per_state = Counter(c.member_state for c in cities)
    assert min(per_state.values()) >= 20


def test_officer_rows_are_valid_tenures(cities, officers):
    assert len(officers) == 1500
    assert all(list(row) == data.OFFICER_COLUMNS for row in officers)
    keys = [(r["city"], r["member_state"], r["name"], r["start_date"]) for r in officers]
    assert len(set(keys)) == len(keys)
    open_posts = Counter(
        (r["city"], r["member_state"]) for r in officers if not r["end_date"] and r["city"]
    )
    assert set(open_posts.values()) == {1}, "one current CSCO per city"
    for row in officers:
        if row["end_date"]:
            assert row["end_date"] >= row["start_date"]
        if row["role"] == data.CSCO:
            assert row["city"]
        else:
            assert row["role"] == data.NATIONAL_REPRESENTATIVE and not row["city"]


def test_names_come_in_the_region_s_scripts(officers):
    scripts = Counter()
    for row in officers:
        for char in row["name"]:
            if char.isalpha():
                scripts[unicodedata.name(char).split()[0]] += 1
    for script in ("LATIN", "THAI", "KHMER", "MYANMAR", "LAO"):
        assert scripts[script], script
    assert any("ễ" in r["name"] or "ầ" in r["name"] or "Đ" in r["name"] for r in officers)
    assert all(unicodedata.is_normalized("NFC", r["name"]) for r in officers)


def test_changed_file_keeps_the_keys_and_changes_every_designation(officers):
    updates = data.changed(officers)
    for before, after in zip(officers, updates, strict=True):
        assert {k: v for k, v in before.items() if k != "designation"} == {
            k: v for k, v in after.items() if k != "designation"
        }
        assert after["designation"] != before["designation"]


def test_csv_round_trips_non_latin_text(tmp_path, officers):
    path = data.write_csv(tmp_path / "officers.csv", officers)
    with path.open(encoding="utf-8", newline="") as f:
        assert list(csv.DictReader(f)) == officers


def sample_report():
    section = results.Section(
        title="Import: 10 officer rows",
        description="Ten rows.",
        columns=[("case", "Case"), ("rows", "Rows"), ("rows_per_s", "Rows/s")],
        rows=[
            {"case": "psycopg COPY (floor)", "rows": 10, "rows_per_s": 12345.6},
            {"case": "project import, CSV, new", "note": "skipped: import path not merged yet"},
        ],
        notes=["A note | with a pipe."],
    )
    skipped = results.Section(title="pages", description="", columns=[], skipped="no wrk")
    return results.Report(
        mode="quick",
        command="make bench-quick",
        machine={"CPU": "Test CPU", "Cores": "2", "Memory": "1.0 GiB"},
        versions={"Python": "3.11.0", "PostgreSQL": "15.0"},
        date="2026-01-01 00:00 UTC",
        sections=[section, skipped],
        targets=[
            results.Target("A target", results.MISSED, "50% (0.50× the target)", "Because."),
            results.Target("Another", results.NOT_MEASURED, "import path not merged yet"),
        ],
    )


def test_markdown_report_has_machine_versions_tables_and_targets(tmp_path):
    path = results.write(sample_report(), tmp_path / "out" / "results.md")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# ASCN Registry benchmarks (quick)"
    assert "| CPU | Test CPU |" in lines
    assert "| PostgreSQL | 15.0 |" in lines
    assert "- **missed**: A target: 50% (0.50× the target)" in lines
    assert "  Because." in lines
    assert "- **not measured**: Another: import path not merged yet" in lines
    header = lines.index("| Case | Rows | Rows/s | Note |")
    assert lines[header + 1] == "| --- | --- | --- | --- |"
    assert lines[header + 2] == "| psycopg COPY (floor) | 10 | 12,346 |  |"
    assert lines[header + 3] == (
        "| project import, CSV, new | — | — | skipped: import path not merged yet |"
    )
    assert "- A note | with a pipe." in lines
    assert "Skipped: no wrk" in lines


def test_rewrite_judges_the_targets_again_from_the_kept_measurements(tmp_path):
    from bench.cli import rewrite

    path = results.write(sample_report(), tmp_path / "results.md", ["import", "pages"])
    before = path.read_text(encoding="utf-8")
    report, by_name = results.read_measurements(path.with_suffix(".json"))
    assert by_name["import"].rows == sample_report().sections[0].rows
    assert by_name["pages"].skipped == "no wrk"

    rewrite(path, QUICK)

    after = path.read_text(encoding="utf-8")

    # The tables are the same measurements; the targets are judged afresh from them.
    def tables(text):
        return [line for line in text.splitlines() if line.startswith("|")]

    assert tables(after) == tables(before)
    assert "| psycopg COPY (floor) | 10 | 12,346 |  |" in tables(after)
    assert "A target" not in after
    assert "- **not measured**: CSV import of new rows at least 25% of COPY's rate" in after


def test_text_report_aligns_columns():
    text = results.render_text(sample_report())
    table = [line for line in text.splitlines() if line.startswith("  Case") or "COPY" in line]
    assert table[0].index("Rows/s") == table[1].index("12,346")
    assert "skipped: no wrk" in text
    assert "missed  A target" in text


def import_section(project_rate=None, changed_rate=None, queries=0.01):
    rows = [{"case": "psycopg COPY (floor)", "rows_per_s": 100_000.0}]
    for case, rate in (
        ("project import, CSV, new", project_rate),
        ("project import, CSV, changed", changed_rate),
        ("project import, XLSX, new", project_rate and project_rate * 0.8),
    ):
        if rate is None:
            rows.append({"case": case, "note": "skipped: import path not merged yet"})
        else:
            rows.append({"case": case, "rows": 10, "rows_per_s": rate, "queries_per_row": queries})
    return results.Section(title="Import", description="", columns=[], rows=rows)


def test_targets_not_measured_say_why():
    found = targets.import_targets(import_section())
    assert [t.status for t in found] == [results.NOT_MEASURED] * 4
    assert all(t.detail == "import path not merged yet" for t in found)


def test_targets_met_and_missed_say_by_how_much():
    found = targets.import_targets(
        import_section(project_rate=30_000.0, changed_rate=10_000.0, queries=0.2)
    )
    by_name = {t.name: t for t in found}
    new = by_name["CSV import of new rows at least 25% of COPY's rate"]
    assert (new.status, new.detail) == (results.MET, "30% of COPY (1.20× the target)")
    update = by_name["CSV updates at least half the rate of new rows"]
    assert (update.status, update.detail) == (
        results.MISSED,
        "33% of the new-row rate (0.67× the target)",
    )
    assert by_name["XLSX import at least 70% of the CSV rate"].status == results.MET
    queries = by_name["At most 0.05 queries per row (project import, every case)"]
    assert queries.status == results.MISSED


def test_best_of_keeps_each_step_s_fastest_run_and_skipped_steps():
    first = [{"case": "a", "seconds": 2.0}, {"case": "b", "seconds": 1.0}, {"case": "c"}]
    second = [{"case": "a", "seconds": 1.5}, {"case": "b", "seconds": 3.0}, {"case": "c"}]
    assert best_of([first, second]) == [
        {"case": "a", "seconds": 1.5},
        {"case": "b", "seconds": 1.0},
        {"case": "c"},
    ]


def test_scale_target_explains_only_the_pages_that_missed():
    rows = [
        {"page": "admin changelist (/admin/registry/officer/)", "db_ms": 4.0, "full_counts": 0},
        {"page": "public search (/officers/?q=Santos)", "db_ms": 123.0, "full_counts": 0},
    ]
    section = results.Section(title="Scale", description="", columns=[], rows=rows)
    time_target, count_target = targets.scale_targets(section)
    assert time_target.status == results.MISSED
    assert time_target.detail.startswith("worst 123 ms (public search")
    assert "folds five fields" in time_target.why and "Thai" not in time_target.why
    assert (count_target.status, count_target.detail) == (results.MET, "none")
