"""
Pages requested in a worker through Django's test client: as staff, bypassing the rendered-page
cache, and with the SQL statements each one runs counted. The pages and scale sections use it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import Client

from bench.measure import QueryLog


def staff_user():
    user, created = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def staff_client():
    client = Client()
    client.force_login(staff_user())
    return client


def uncached_get(client, path):
    """
    A request that the rendered-page cache does not answer: what building the page costs (a
    repeat request costs one query, the data version, whatever the page).
    """
    caches[settings.REGISTRY_PAGE_CACHE].clear()
    return client.get(path)


def count_queries(paths, client=None):
    """
    Status and SQL statements of each path's second request (the first warms the caches of
    data that changes only with the data version), not answered from the page cache.
    """
    client = client or Client()
    counted = {}
    for path in paths:
        client.get(path)
        log = QueryLog()
        with connection.execute_wrapper(log):
            response = uncached_get(client, path)
        counted[path] = {"status": response.status_code, "queries": log.count}
    return counted
