"""
Time the public pages with the founding data (26 cities) and with 2,000 cities, and print
each page's ratio. Uses a throwaway SQLite file unless DATABASE_URL is set; leaves it behind
in bench/out/.

    DJANGO_DEBUG=1 .venv/bin/python bench/public_pages.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'public_pages.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ascn.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from tests.test_public import PAGES, add_cities  # noqa: E402

ROUNDS = 7


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
    main()
