"""
The benchmark's own PostgreSQL database: created from scratch, migrated, seeded with the
founding data and generated cities, and loaded with officers through COPY (the fast path a
million rows need). Runs inside a worker process, with Django set up on bench.settings.
"""

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from bench import data
from bench.results import SkipSection

OFFICER_TABLE = "registry_officer"
COPY_COLUMNS = (
    "name",
    "designation",
    "role",
    "city_id",
    "member_state_id",
    "start_date",
    "end_date",
    "search_text",
)


def database_name():
    return settings.DATABASES["default"]["NAME"]


def check_is_bench_database():
    """The benchmark drops and recreates its database: refuse any that is not obviously its own."""
    if connection.vendor != "postgresql":
        raise SkipSection("the benchmark runs on PostgreSQL only (set BENCH_DATABASE_URL)")
    name = database_name()
    if not name.startswith("ascn_bench"):
        raise SystemExit(
            f"refusing to drop database {name!r}: its name must start with ascn_bench"
        )


def recreate_database():
    check_is_bench_database()
    db = settings.DATABASES["default"]
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db["NAME"]}"')


def server_version():
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def migrate():
    call_command("migrate", verbosity=0, interactive=False)
    # A database cache table, where the settings use one (nothing to do otherwise).
    call_command("createcachetable", verbosity=0)
    call_command("loaddata", "founding_2018", verbosity=0)


def ensure_cities(total, seed):
    """Add the generated cities (all of them, whatever is there already) up to `total`."""
    from registry.models import City, MemberState, Network

    network = Network.objects.get(slug="ascn")
    states = {s.code: s for s in MemberState.objects.all()}
    existing = set(City.objects.values_list("slug", flat=True))
    new = [
        City(
            name=c.name,
            slug=c.slug,
            member_state=states[c.member_state],
            latitude=c.latitude,
            longitude=c.longitude,
            network=network,
        )
        for c in data.generate_cities(total, seed)
        if c.slug not in existing
    ]
    City.objects.bulk_create(new, batch_size=1000)
    touch()
    analyze()
    return City.objects.count()


def remove_generated_cities():
    """Back to the founding 26 cities (their officers first: cities are PROTECTed)."""
    from registry.models import City

    truncate_officers()
    founding = {c.slug for c in data.founding_registry()[1]}
    City.objects.exclude(slug__in=founding).delete()
    call_command("loaddata", "founding_2018", verbosity=0)
    analyze()


def truncate_officers():
    """Empty the officer table and every table that refers to it (return items,
    suggestions): the bench database is its own, so CASCADE wipes nothing a user holds,
    and a table that starts referring to officers later cannot break the bench."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE registry_officer_sources, registry_officer, django_admin_log "
            "RESTART IDENTITY CASCADE"
        )
    touch()


def analyze():
    """Statistics and visibility map as autovacuum would leave them in a steady state."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_city, registry_officer")


def foreign_keys():
    """{(state code, city name): city id} and {state code: state id}: one query each."""
    from registry.models import City, MemberState

    cities = {
        (code, name): pk
        for pk, name, code in City.objects.values_list("pk", "name", "member_state__code")
    }
    states = dict(MemberState.objects.values_list("code", "pk"))
    return cities, states


def copy_tuple(row, cities, states):
    """An officer row of the spreadsheet format as the COPY_COLUMNS of the officer table."""
    from registry.models import Officer

    code = row["member_state"]
    city = row["city"]
    return (
        row["name"],
        row["designation"],
        row["role"] or data.CSCO,
        cities[(code, city)] if city else None,
        None if city else states[code],
        row["start_date"] or None,
        row["end_date"] or None,
        Officer.search_text_for(row["name"], row["designation"]),
    )


def touch():
    """COPY and bulk writes send no signals: tell the public pages' ETags the data changed."""
    from registry.models import touch_registry

    touch_registry()


def copy_officers(rows):
    """Load officer rows (spreadsheet format) with COPY FROM STDIN; returns the row count."""
    cities, states = foreign_keys()
    columns = ", ".join(COPY_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        count = 0
        with raw.copy(f"COPY {OFFICER_TABLE} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(copy_tuple(row, cities, states))
                count += 1
        touch()
    return count


def load_officers(count, total_cities, seed, national_representatives=None):
    """A fresh officer table of `count` generated tenures across `total_cities` cities."""
    truncate_officers()
    cities = data.generate_cities(total_cities, seed)
    officers = data.generate_officers(count, cities, seed, national_representatives)
    loaded = copy_officers(officers)
    analyze()
    return loaded
