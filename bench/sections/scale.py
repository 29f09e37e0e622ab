"""
Scale: SQL statements per page at 26 and at 2,000 cities (they must be equal), and the
database time of the officer pages (staff changelist and public list) with a million officers,
watching for COUNT(*) over the whole officer table. Pages are driven by Django's test client
inside a worker; database time is the sum of the statements' durations.
"""

from django.db import connection

from bench import db
from bench.client import count_queries, staff_client, uncached_get
from bench.data import CITY_SLUG, SEARCH
from bench.measure import QueryLog, is_count_over
from bench.results import Section

# Pages whose statement count must not grow with the number of cities.
PUBLIC_PATHS = [
    "/",
    "/member-states/",
    "/member-states/thailand/",
    "/cities/",
    f"/cities/{CITY_SLUG}/",
    "/officers/",
    # A search that finds current holders at both sizes (an empty page skips its prefetches).
    "/officers/?q=philippines",
    "/officers/?current=all",
    "/agreements/",
    "/agreements/mou-jetro-undp/",
    "/sources/",
    "/data/popolo.json",
    "/cities/?format=json",
]
STAFF_PATHS = ["/admin/registry/city/", "/admin/registry/officer/"]

# The officer pages at a million rows: the changelist as staff page through, search and
# filter it, and the public list with and without its filters.
SCALE_PAGES = [
    ("admin changelist", "/admin/registry/officer/", True),
    ("admin changelist, page 2", "/admin/registry/officer/?p=2", True),
    ("admin search", f"/admin/registry/officer/?q={SEARCH}", True),
    (
        "admin filter: member state",
        "/admin/registry/officer/?city__member_state__id__exact={TH}",
        True,
    ),
    ("public officer list", "/officers/", False),
    ("public officer list, page 2", "/officers/?page=2", False),
    ("public search", f"/officers/?q={SEARCH}", False),
    ("public filter: member state", "/officers/?member_state=th", False),
    ("public list, past tenures too", "/officers/?current=all", False),
]


def queries_by_cities(total_cities, seed):
    """
    Worker side: statements per page with the founding 26 cities, then with all of them.
    Both have generated officers of every kind (every state has National Representatives),
    so that a prefetch skipped for want of rows does not pass for a difference of scale.
    """
    representatives, per_city = 3 * 10, 3
    db.remove_generated_cities()
    small = db.ensure_cities(0, seed)
    db.load_officers(small * per_city + representatives, small, seed, representatives)
    staff = staff_client()
    at_small = {**count_queries(PUBLIC_PATHS), **count_queries(STAFF_PATHS, staff)}
    large = db.ensure_cities(total_cities, seed)
    db.load_officers(large * per_city + representatives, large, seed, representatives)
    at_large = {**count_queries(PUBLIC_PATHS), **count_queries(STAFF_PATHS, staff)}
    return {"small": small, "large": large, "at_small": at_small, "at_large": at_large}


def page_cost(client, path, repeats):
    """
    Median database time and wall time of `repeats` requests, with their statements, each
    built anew rather than answered from the page cache.
    """
    client.get(path)
    runs = []
    for _ in range(repeats):
        log = QueryLog(keep_sql=True)
        with connection.execute_wrapper(log):
            response = uncached_get(client, path)
        runs.append((log.seconds, log))
    runs.sort(key=lambda run: run[0])
    median_seconds, log = runs[len(runs) // 2]
    counts = [
        (kind, seconds)
        for sql, seconds in log.statements
        if (kind := is_count_over(sql, db.OFFICER_TABLE))
    ]
    slowest_sql, slowest_seconds = max(log.statements, key=lambda s: s[1])
    return {
        "path": path,
        "status": response.status_code,
        "queries": log.count,
        "db_ms": median_seconds * 1000,
        "max_db_ms": runs[-1][0] * 1000,
        "full_counts": sum(1 for kind, _ in counts if kind == "full"),
        "count_ms": sum(seconds for _, seconds in counts) * 1000,
        "slowest_ms": slowest_seconds * 1000,
        "slowest_sql": " ".join(slowest_sql.split())[:400],
    }


def db_time_at_scale(officers, total_cities, seed, repeats):
    """Worker side: a million officers through COPY, then each officer page's database time."""
    from django.test import Client

    from registry.models import MemberState

    loaded = db.load_officers(officers, total_cities, seed)
    staff, public = staff_client(), Client()
    ids = {"TH": MemberState.objects.get(code="TH").pk}
    pages = {
        label: page_cost(staff if is_staff else public, path.format(**ids), repeats)
        for label, path, is_staff in SCALE_PAGES
    }
    return {"officers": loaded, "pages": pages}


TASKS = {"queries-by-cities": queries_by_cities, "db-time-at-scale": db_time_at_scale}


def queries_section(ctx):
    ctx.log("scale: statements per page at 26 and 2,000 cities")
    answer = ctx.worker("queries-by-cities", total_cities=ctx.sizes.cities, seed=ctx.seed)
    small, large = answer["small"], answer["large"]
    result = Section(
        title=f"Scale: SQL statements per page at {small} and {large:,} cities",
        description=(
            f"Each page requested twice through Django's test client (staff pages logged in), "
            f"the second request counted: first with the founding {small} cities, then with "
            f"{large:,} cities, each with three generated tenures (one current) and each member "
            "state with three National Representatives. Equal counts mean no query per row."
        ),
        columns=[
            ("path", "Path"),
            ("status_small", f"Status at {small}"),
            ("small", f"Queries at {small}"),
            ("status_large", f"Status at {large:,}"),
            ("large", f"Queries at {large:,}"),
            ("equal", "Equal"),
        ],
    )
    for path in PUBLIC_PATHS + STAFF_PATHS:
        a, b = answer["at_small"][path], answer["at_large"][path]
        result.rows.append(
            {
                "path": path,
                "status_small": a["status"],
                "small": a["queries"],
                "status_large": b["status"],
                "large": b["queries"],
                "equal": a["queries"] == b["queries"],
            }
        )
    return result


def db_time_section(ctx):
    officers = ctx.sizes.scale_officers
    ctx.log(f"scale: {officers:,} officers through COPY, then the officer pages")
    answer = ctx.worker(
        "db-time-at-scale",
        officers=officers,
        total_cities=ctx.sizes.cities,
        seed=ctx.seed,
        repeats=ctx.sizes.page_repeats,
    )
    result = Section(
        title=f"Scale: officer pages with {answer['officers']:,} officers",
        description=(
            f"Database time per page: the sum of its statements' durations, median of "
            f"{ctx.sizes.page_repeats} warm requests (Django test client, staff logged in for "
            "the admin). *Full counts* are COUNT(*) statements over the whole officer table; "
            "*count ms* is the time of all COUNT(*) statements over it."
        ),
        columns=[
            ("page", "Page"),
            ("status", "Status"),
            ("queries", "Queries"),
            ("db_ms", "DB ms"),
            ("full_counts", "Full counts"),
            ("count_ms", "Count ms"),
            ("slowest_ms", "Slowest statement ms"),
        ],
    )
    for label, _, _ in SCALE_PAGES:
        row = answer["pages"][label]
        result.rows.append({**row, "page": f"{label} ({row['path']})"})
    slowest = max(answer["pages"].items(), key=lambda item: item[1]["slowest_ms"])
    result.notes.append(
        f"Slowest statement ({slowest[0]}, {slowest[1]['slowest_ms']:.1f} ms): "
        f"`{slowest[1]['slowest_sql']}`"
    )
    return result
