"""
The issue's targets, read off the sections' tables: met, missed (by how much, and why), or not
measured (and why). Nothing here times anything; it only compares what the run measured.
"""

from bench.results import MET, MISSED, NOT_MEASURED, Target

# Memory counts as flat when the peak at the larger size is within this of the smaller's.
FLAT_RATIO, FLAT_SLACK_MIB = 1.25, 5.0

# Why a target is missed and what would close it, as found by reading the measurements and
# profiling the cases (bench/results.md is committed with them). Shown only when missed.
WHY = {
    "import-new": (
        "Why: new rows and their historical records are written with COPY "
        "(registry/spreadsheets/engine/pgcopy.py); each distinct value of a column is checked once "
        "(RegistryResource.clean_fields()), new records are copied from one made per file, "
        "and the cyclic garbage collector is paused while a file is read and imported "
        "(registry/spreadsheets/gc_pause.py). What is left is django-import-export's per-row machinery (a "
        "model instance per row, each cell through its widget, a result per row) and the "
        "historical record written for every row (issue 5), which the floor does not write; "
        "the server's trigram index on search_text slows the floor and the import alike (see "
        "the two *reference* rows). The Python side and the server share the machine's two "
        "cores, so a busy machine shows here first. What would close a wider gap: validating "
        "a file column by column and building the COPY rows from the cleaned columns, with no "
        "model instance per row: a second import path that would have to repeat every check "
        "and message of the row path."
    ),
    "export-csv": (
        "Why: export_rows() reads values_list() tuples in one query (registry/spreadsheets/export_reader.py) and "
        "writes them with csv.writer in chunks of rows; what is left per row is each column's "
        "widget render and formula escaping, and the text conversion of each cell. A miss on "
        "this machine means it was busy: compare with the *reference: csv.writer over "
        "iterator()* row of the same run, which has no rendering at all."
    ),
    "export-xlsx": (
        "Why: the rows are the CSV export's, written with XlsxWriter's constant-memory mode "
        "(registry/spreadsheets/writers.py write_xlsx()), 1.6 to 2 times the *reference: openpyxl "
        "write-only* row on a quiet machine; most of the time is the XML of each cell. A miss "
        "means a busy machine: compare with the reference's share in the detail."
    ),
    "export-memory": (
        "Why: CSV and JSON stream from a server-side cursor and XLSX is written row by row into "
        "a temporary file (in memory up to 256 KiB, then on disk); a growing peak means a new "
        "path holds rows, e.g. list(rows) before a writer."
    ),
    "page-rps": (
        "Why: each worker renders a page once per data version and then answers it from the "
        "page cache (registry/caching.py). What a cached answer still costs beyond the trivial "
        "view is one statement to the shared database, the data version, which keeps every "
        "process from serving a page older than the last write (the app is stateless) and "
        "doubles as the connection's health check (first_statement_checks_connection() in "
        "registry/models/data_version.py), and the page's 30 to 150 KB against the trivial view's 2 bytes. "
        "What would close a wider gap: not asking the database on every request, e.g. reading "
        "the version at most once a second per process, which would let a process serve a "
        "page up to a second older than an edit (a product decision the registry has not "
        "taken), or a caching reverse proxy that revalidates with the ETag."
    ),
    "page-p99": (
        "Why: requests queue behind one another: 8 connections on 2 sync workers, which share "
        "2 cores with PostgreSQL and wrk. What would close it: more workers or cores."
    ),
    "page-queries": (
        "Why: an uncached list page runs the data version, the page with its count, and the "
        "prefetches it shows; the network and the filters' choices come from the data cache "
        "(registry/caching.py per_version()). A miss means a list gained a query outside it."
    ),
    "scale-count": (
        "Why: a page that counts an unfiltered officer table. What would close it: "
        "LargeTablePaginator on that page (registry/pagination.py)."
    ),
}


# Why a page of the scale table takes 100 ms or more, by the page's label: the scale-time
# target's explanation names only the pages that missed it in this run.
SLOW_PAGE_WHY = {
    "public search": (
        "The public search folds five fields (the officer's name and designation, the city's "
        "and member states' names) of every current holder in SQL, some 100 ms at 2,000 current "
        "holders even with the fast path for unaccented text. What would close it: a stored "
        "folded search text with a trigram index, filled by save() and the import's persist "
        "hooks, and cities and member states matched by id, as the staff search now does."
    ),
    "admin filter: member state": (
        "The staff filter by member state is ordered by name: Thai holders mostly have "
        "Thai-script names, which sort after every Latin one, so the ordered index scan reads "
        "tens of thousands of other officers before it finds 50 (the planner assumes no such "
        "correlation). What would close it: the member state on every officer row (the city's, "
        "denormalised) with an index on (member state, name, start date)."
    ),
    "admin search": (
        "The staff search counts every match exactly: a common family name matches tens of "
        "thousands of tenures, read through the trigram index. What would close it: an "
        "estimated count for searches as well (the planner's estimate for a LIKE is rough)."
    ),
}


def _row(section, case):
    if section is None:
        return None
    return next((r for r in section.rows if r.get("case", r.get("page")) == case), None)


def _rate(section, case):
    row = _row(section, case)
    return row.get("rows_per_s") if row else None


def _skipped(section, case, what):
    row = _row(section, case)
    if section is None:
        return f"{what} section not run"
    if row is None:
        return f"no {case!r} row"
    if row.get("note", "").startswith("skipped"):
        return row["note"].removeprefix("skipped: ")
    return None


def _target(key, name, ok, detail):
    status = MET if ok else MISSED
    return Target(name, status, detail, "" if ok else WHY.get(key, ""))


def _not_measured(name, reason):
    return Target(name, NOT_MEASURED, reason)


def _share_target(key, name, share, floor, of):
    """A target that a share must reach: met or missed, with the share and its ratio."""
    return _target(
        key, name, share >= floor, f"{share:.0%} of {of} ({share / floor:.2f}× the target)"
    )


def import_targets(section):
    out = []
    csv_new = "project import, CSV, new"
    csv_changed = "project import, CSV, changed"
    xlsx_new = "project import, XLSX, new"
    copy = _rate(section, "psycopg COPY (floor)")
    name = "CSV import of new rows at least 25% of COPY's rate"
    reason = _skipped(section, csv_new, "import")
    if reason or not copy:
        out.append(_not_measured(name, reason or "COPY not measured"))
    else:
        share = _rate(section, csv_new) / copy
        out.append(_share_target("import-new", name, share, 0.25, "COPY"))
    name = "CSV updates at least half the rate of new rows"
    reason = _skipped(section, csv_changed, "import") or _skipped(section, csv_new, "import")
    if reason:
        out.append(_not_measured(name, reason))
    else:
        share = _rate(section, csv_changed) / _rate(section, csv_new)
        out.append(_share_target("import-update", name, share, 0.5, "the new-row rate"))
    name = "At most 0.05 queries per row (project import, every case)"
    project = [
        r
        for r in (section.rows if section else [])
        if r.get("case", "").startswith("project import") and r.get("rows")
    ]
    if not project:
        out.append(
            _not_measured(name, _skipped(section, csv_new, "import") or "no project import row")
        )
    else:
        worst = max(project, key=lambda r: r["queries_per_row"])
        q = worst["queries_per_row"]
        out.append(_target("import-queries", name, q <= 0.05, f"worst {q:.3f} ({worst['case']})"))
    name = "XLSX import at least 70% of the CSV rate"
    reason = _skipped(section, xlsx_new, "import") or _skipped(section, csv_new, "import")
    if reason:
        out.append(_not_measured(name, reason))
    else:
        share = _rate(section, xlsx_new) / _rate(section, csv_new)
        out.append(_share_target("import-xlsx", name, share, 0.7, "CSV"))
    return out


# The streamed writer each export format is compared with, a case of the export section.
EXPORT_REFERENCES = {
    "CSV": "reference: csv.writer over iterator()",
    "XLSX": "reference: openpyxl write-only over iterator()",
}


def export_targets(section):
    out = []
    for file_format, floor in (("CSV", 30_000), ("XLSX", 10_000)):
        case = f"project export, {file_format}"
        name = f"Export to {file_format} at least {floor:,} rows/s"
        reason = _skipped(section, case, "export")
        if reason:
            out.append(_not_measured(name, reason))
            continue
        rate = _rate(section, case)
        detail = f"{rate:,.0f} rows/s ({rate / floor:.2f}× the target)"
        reference = _rate(section, EXPORT_REFERENCES[file_format])
        if reference:
            detail += f", {rate / reference:.0%} of the {EXPORT_REFERENCES[file_format]} rate"
        out.append(_target(f"export-{file_format.lower()}", name, rate >= floor, detail))
    name = "Export memory flat in the number of rows (project CSV and XLSX)"
    details, flat, reasons = [], True, []
    for file_format in ("CSV", "XLSX"):
        case = f"project export, {file_format}"
        reason = _skipped(section, case, "export")
        if reason:
            reasons.append(reason)
            continue
        row = _row(section, case)
        small, large = row.get("small_peak_mib"), row.get("peak_mib")
        if small is None or large is None:
            reasons.append("peak memory not measurable on this system")
            continue
        ok = large <= small * FLAT_RATIO + FLAT_SLACK_MIB
        flat = flat and ok
        details.append(f"{file_format} {small:.1f} → {large:.1f} MiB")
    if reasons and not details:
        out.append(_not_measured(name, "; ".join(sorted(set(reasons)))))
    else:
        out.append(_target("export-memory", name, flat and not reasons, ", ".join(details)))
    return out


def page_targets(section, scale_cities):
    out = []
    from bench.sections.pages import LIST_PAGES

    name = "Public list pages at least 50% of the trivial view's requests/s"
    trivial = _row(section, "trivial Django view (floor)")
    rows = [_row(section, page) for page in LIST_PAGES]
    measured = [r for r in rows if r and r.get("rps")]
    if section is None or section.skipped or not trivial or not trivial.get("rps"):
        reason = section.skipped if section and section.skipped else "pages section not run"
        out += [
            _not_measured(name, reason),
            _not_measured("Public list pages p99 under 50 ms", reason),
        ]
    else:
        shares = {r["page"]: r["rps"] / trivial["rps"] for r in measured}
        out.append(
            _target(
                "page-rps",
                name,
                all(s >= 0.5 for s in shares.values()),
                ", ".join(f"{p} {s:.0%}" for p, s in shares.items()),
            )
        )
        p99 = {r["page"]: r["p99_ms"] for r in measured}
        out.append(
            _target(
                "page-p99",
                "Public list pages p99 under 50 ms",
                all(v < 50 for v in p99.values()),
                ", ".join(f"{p} {v:.0f} ms" for p, v in p99.items()),
            )
        )
    name = "At most 4 queries per public list page"
    if section is None or section.skipped:
        out.append(_not_measured(name, section.skipped if section else "pages section not run"))
    else:
        counts = {r["page"]: r["queries"] for r in rows if r}
        out.append(
            _target(
                "page-queries",
                name,
                all(q <= 4 for q in counts.values()),
                ", ".join(f"{p} {q}" for p, q in counts.items()),
            )
        )
    name = "SQL statements per page equal at 26 and 2,000 cities"
    if scale_cities is None:
        out.append(_not_measured(name, "scale-cities section not run"))
    else:
        unequal = [r["path"] for r in scale_cities.rows if not r["equal"]]
        detail = f"{len(scale_cities.rows) - len(unequal)} of {len(scale_cities.rows)} pages equal"
        if unequal:
            detail += f"; grow: {', '.join(unequal)}"
        out.append(_target("scale-queries", name, not unequal, detail))
    return out


def scale_targets(section):
    name = (
        "Changelist and public list under 100 ms of database time per page at 1,000,000 officers"
    )
    count_name = "No COUNT(*) over the whole officer table on any of those pages"
    if section is None:
        return [
            _not_measured(name, "scale-rows section not run"),
            _not_measured(count_name, "scale-rows section not run"),
        ]
    slow = [r for r in section.rows if r["db_ms"] >= 100]
    worst = max(section.rows, key=lambda r: r["db_ms"])
    detail = f"worst {worst['db_ms']:.0f} ms ({worst['page']}); {len(slow)} of {len(section.rows)} pages at or over 100 ms"
    target = _target("scale-time", name, not slow, detail)
    reasons = [
        why
        for label, why in SLOW_PAGE_WHY.items()
        if any(row["page"].startswith(f"{label} (") for row in slow)
    ]
    if reasons:
        target.why = "Why: " + " ".join(reasons)
    out = [target]
    counting = [r for r in section.rows if r["full_counts"]]
    out.append(
        _target(
            "scale-count",
            count_name,
            not counting,
            ", ".join(r["page"] for r in counting) or "none",
        )
    )
    return out


def evaluate(sections, sizes):
    """Targets, in the issue's order, from the sections (by name) this run produced."""
    targets = import_targets(sections.get("import"))
    targets += export_targets(sections.get("export"))
    targets += page_targets(sections.get("pages"), sections.get("scale-cities"))
    scale = scale_targets(sections.get("scale-rows"))
    if sizes.scale_officers < 1_000_000 and "scale-rows" in sections:
        # A quick run has too few officers to test these (and counts exactly below the
        # paginator's estimate threshold): its figures are shown, not judged.
        for target in scale:
            target.detail = f"quick run, {sizes.scale_officers:,} officers: {target.detail}"
            target.status, target.why = NOT_MEASURED, ""
    targets += scale
    return targets
