"""DataVersion: the version read every public request makes, and touch_registry()."""

import pytest
from django.db import connection
from django.utils import timezone

from registry.models import DataVersion, touch_registry

pytestmark = pytest.mark.django_db


def test_the_current_data_version_reads_what_the_orm_stores(db):
    DataVersion.objects.all().delete()
    empty = DataVersion.current()
    assert (empty.version, empty.changed_at.year) == (0, 2018)
    touch_registry()
    touch_registry()
    stored = DataVersion.objects.get(name="registry")
    current = DataVersion.current()
    assert (current.pk, current.version, current.changed_at) == (
        stored.pk,
        2,
        stored.changed_at,
    )
    assert timezone.is_aware(current.changed_at)


# Outside a test transaction, as a worker runs: the health check is skipped inside one. The
# migrations' rows (content types, groups) are restored after, as for other such tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_version_read_is_the_connection_health_check(client, monkeypatch):
    client.get("/cities/")  # the connection is open, as a worker's is between requests
    assert connection.health_check_enabled
    checks = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or True)
    connection.health_check_done = False  # what the next request's start does
    assert client.get("/cities/").status_code == 200
    assert checks == []  # no "SELECT 1" round trip before the version read


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no server to drop a connection"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_page_survives_a_connection_the_database_dropped(client):
    client.get("/cities/")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    other = connection.get_new_connection(connection.get_connection_params())
    other.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()
    connection.health_check_done = False
    response = client.get("/cities/")
    assert response.status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid  # answered on a fresh connection
