"""The registry's data version: one row counting changes, read by every public request."""

import datetime

from django.db import DatabaseError, connections, models, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataVersionQuerySet(models.QuerySet):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class DataVersion(models.Model):
    """
    One row counting changes to the registry, for ETag and Last-Modified headers.

    Kept in the database rather than a per-process cache, since several app servers share
    one database. Saves and deletes bump it through signals (registry/signals.py); code that
    writes without signals (bulk_create, QuerySet.update, raw SQL) calls touch_registry().
    """

    name = models.CharField(_("name"), max_length=50, default="registry")
    version = models.PositiveBigIntegerField(_("version"), default=0)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    objects = DataVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="registry_dataversion_unique_name"),
        ]

    def __str__(self):
        return f"{self.name} {self.version} ({self.changed_at:%Y-%m-%d %H:%M:%S})"

    def natural_key(self):
        return (self.name,)

    @classmethod
    def current(cls):
        """
        The registry's version, read with one plain statement: every public request reads it
        (even one answered from the page cache), and building the ORM query took longer than
        the database's answer.
        """
        connection = connections[router.db_for_read(cls)]
        sql = (
            f"SELECT id, version, changed_at FROM {connection.ops.quote_name(cls._meta.db_table)} "
            "WHERE name = %s"
        )
        row = first_statement_checks_connection(connection, sql, [REGISTRY_VERSION])
        if row is None:
            return cls(name=REGISTRY_VERSION, version=0, changed_at=STARTED_AT)
        pk, version, changed_at = row
        if isinstance(changed_at, str):  # SQLite without its declared-type converters
            changed_at = datetime.datetime.fromisoformat(changed_at)
        if timezone.is_naive(changed_at):  # SQLite stores UTC without an offset
            changed_at = timezone.make_aware(changed_at, datetime.UTC)
        return cls(id=pk, name=REGISTRY_VERSION, version=version, changed_at=changed_at)


REGISTRY_VERSION = "registry"


def first_statement_checks_connection(connection, sql, params):
    """
    The one row `sql` answers, run as the connection's health check too.

    With CONN_HEALTH_CHECKS, Django sends "SELECT 1" before the first statement of a request
    on a reused connection, a round trip as long as the version read itself. Here the version
    read is the check: if it fails on a reused connection outside a transaction, the
    connection is closed, as Django's check would have done, and the read runs once more on a
    fresh one. An error that is not the connection's repeats and is raised.
    """
    checking = (
        connection.health_check_enabled
        and not connection.health_check_done
        and connection.connection is not None
        and not connection.in_atomic_block
    )
    if checking:
        connection.health_check_done = True
        try:
            return _fetch_one(connection, sql, params)
        except DatabaseError:
            connection.close()
    return _fetch_one(connection, sql, params)


def _fetch_one(connection, sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


# When no change has been recorded yet (an empty table): a fixed point, not "now", so the
# validators stay the same between requests.
STARTED_AT = datetime.datetime(2018, 1, 1, tzinfo=datetime.UTC)


def touch_registry(using="default"):
    """Record that registry data changed; call it after writes that send no signals."""
    now = timezone.now()
    versions = DataVersion.objects.using(using).filter(name=REGISTRY_VERSION)
    if not versions.update(version=models.F("version") + 1, changed_at=now):
        # The migration creates the row; only a flushed table (some tests) lacks it.
        versions.create(name=REGISTRY_VERSION, version=1, changed_at=now)
