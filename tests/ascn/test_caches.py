"""Caches: embedded by default, one shared Redis when REDIS_URL is set (ascn/settings.py)."""

import os
import socket
import subprocess
import sys
import urllib.parse
import uuid

import pytest

from ..servers import BASE_DIR, clean_environment
from ..test_production import load_settings

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
ALIASES = {"default", "pages", "data", "imports", "suggestions"}


def test_without_redis_the_caches_need_nothing_but_the_process_and_the_database():
    caches = load_settings(DJANGO_DEBUG="1", REDIS_URL="")["CACHES"]
    assert set(caches) == ALIASES
    for alias in ("default", "pages", "data"):
        assert caches[alias]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert caches["imports"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def test_with_redis_every_cache_is_in_it_under_its_own_prefix():
    caches = load_settings(DJANGO_DEBUG="1", REDIS_URL="redis://cache.internal:6379/2")["CACHES"]
    assert set(caches) == ALIASES
    for cache in caches.values():
        # Django's RedisCache, with a clear() that keeps to its own prefix (ascn/caches.py).
        assert cache["BACKEND"] == "ascn.caches.RedisCache"
        assert cache["LOCATION"] == "redis://cache.internal:6379/2"
    assert len({cache["KEY_PREFIX"] for cache in caches.values()}) == len(ALIASES)
    # An upload waits a day for its confirmation, in Redis as in the database.
    assert caches["imports"]["TIMEOUT"] == 24 * 60 * 60


def redis_reachable():
    parts = urllib.parse.urlsplit(REDIS_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(
    not redis_reachable(),
    reason=f"no Redis answers at {REDIS_URL} (set REDIS_URL, or start redis-server)",
)


def run_in_a_new_process(code):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=BASE_DIR,
        env=clean_environment(
            DJANGO_SETTINGS_MODULE="ascn.settings",
            DJANGO_DEBUG="1",
            DJANGO_SECRET_KEY="test-only-not-secret",
            REDIS_URL=REDIS_URL,
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@needs_redis
def test_a_page_cached_by_one_process_is_read_by_another():
    key = f"registry-page:test-{uuid.uuid4().hex}"
    cache = "from django.conf import settings; from django.core.cache import caches; "
    cache += "cache = caches[settings.REGISTRY_PAGE_CACHE]; "
    run_in_a_new_process(cache + f"cache.set({key!r}, (b'<html>page</html>', 'text/html'))")
    try:
        assert run_in_a_new_process(cache + f"print(cache.get({key!r}))") == (
            "(b'<html>page</html>', 'text/html')"
        )
        # The other caches do not see it: each alias has its own prefix.
        other = "from django.core.cache import caches; "
        assert run_in_a_new_process(other + f"print(caches['data'].get({key!r}))") == "None"
    finally:
        run_in_a_new_process(cache + f"cache.delete({key!r})")


@needs_redis
def test_clearing_one_cache_leaves_the_others_sharing_its_redis_database():
    from ascn.caches import RedisCache

    run = uuid.uuid4().hex
    pages, data = (
        RedisCache(REDIS_URL, {"KEY_PREFIX": f"ascn-test-{run}-{alias}"})
        for alias in ("pages", "data")
    )
    try:
        pages.set_many({f"page-{n}": n for n in range(1500)})  # more than one delete batch
        data.set("network", "ASCN")
        pages.clear()
        assert pages.get_many([f"page-{n}" for n in range(1500)]) == {}
        assert data.get("network") == "ASCN"
    finally:
        pages.clear()
        data.clear()
