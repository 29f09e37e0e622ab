from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class LargeTablePaginator(Paginator):
    """
    A Paginator that does not count every row of a large table on each page.

    COUNT(*) must read the whole table (about 40 ms at a million officers, growing with the
    table). For an unfiltered queryset on PostgreSQL over a table of more than `estimate_above`
    rows, the count is the planner's row estimate (pg_class.reltuples, kept current by
    autovacuum), so the last page number may be off by the estimate's error. Filtered and
    searched lists, small tables and other databases are counted exactly.
    """

    estimate_above = 100_000

    @cached_property
    def count(self):
        return super().count if self.estimate is None else self.estimate

    @cached_property
    def estimate(self):
        """The planner's row estimate where it stands in for COUNT(*), else None."""
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return None
        query = queryset.query
        if query.where or query.distinct or query.combinator or query.is_sliced or query.group_by:
            return None
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            row = cursor.fetchone()
        # reltuples is -1 for a table never vacuumed or analysed.
        if row is None or row[0] <= self.estimate_above:
            return None
        return row[0]
