"""
Time the public pages with the founding data (26 cities) and with 2,000 cities, and print
each page's ratio. Uses a throwaway SQLite file unless DATABASE_URL is set; leaves it behind
in bench/out/.

    DJANGO_DEBUG=1 .venv/bin/python bench/public_pages.py

The pages and the grown registry are importable without running anything:
tests/test_public.py counts the same pages' queries over the same registry.
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
ROUNDS = 7

# The public pages a visitor reads, each of which answers 200 with the founding data.
PAGES = [
    "/",
    "/member-states/",
    "/member-states/thailand/",
    "/cities/",
    "/cities/kota-kinabalu/",
    "/officers/",
    "/officers/?current=all",
    "/agreements/",
    "/agreements/mou-jetro-undp/",
    "/sources/",
]


def add_cities(total):
    """Grow the registry to `total` cities, each with an officer and a source."""
    from registry.models import City, MemberState, Network, Officer, Source, touch_registry

    states = list(MemberState.objects.all())
    network = Network.objects.get()
    source = Source.objects.get(slug="asean-smart-cities-network-article")
    start = City.objects.count()
    cities = City.objects.bulk_create(
        City(
            name=f"Town {n}",
            slug=f"town-{n}",
            member_state=states[n % len(states)],
            network=network,
            latitude=round(-8 + (n % 280) / 10, 2),
            longitude=round(96 + (n % 290) / 10, 2),
            pilot_since=datetime.date(2018, 4, 1),
        )
        for n in range(start, total)
    )
    officers = Officer.objects.bulk_create(
        Officer(name=f"Officer of {city.slug}", city=city) for city in cities
    )
    City.sources.through.objects.bulk_create(
        City.sources.through(city=city, source=source) for city in cities
    )
    Officer.sources.through.objects.bulk_create(
        Officer.sources.through(officer=officer, source=source) for officer in officers
    )
    touch_registry()


def timings(client):
    result = {}
    for path in [*PAGES, "/data/popolo.json"]:
        client.get(path)  # warm up
        samples = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200, path
        result[path] = statistics.median(samples)
    return result


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'public_pages.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ascn.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("loaddata", "founding_2018", verbosity=0)
    client = Client(HTTP_HOST="localhost")
    small = timings(client)
    add_cities(2000)
    large = timings(client)
    print(f"{'page':45} {'26 cities':>10} {'2,000':>10} {'ratio':>6}")
    for path in small:
        print(
            f"{path:45} {small[path] * 1000:8.1f}ms {large[path] * 1000:8.1f}ms {large[path] / small[path]:6.1f}"
        )
    etag = client.get("/cities/")["ETag"]
    start = time.perf_counter()
    for _ in range(50):
        assert client.get("/cities/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    print(f"304 for /cities/: {(time.perf_counter() - start) / 50 * 1000:.1f}ms")


if __name__ == "__main__":
    # Run as a file (bench/public_pages.py), the project root is not on the path yet.
    sys.path.insert(0, str(ROOT))
    main()
