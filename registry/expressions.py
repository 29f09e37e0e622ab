"""SQL the QuerySets and pages build by hand: IN over a subquery, and row counts."""

from django.db import connections
from django.db.models import BigIntegerField, BooleanField, F, Func, Subquery
from django.db.models.expressions import RawSQL


class InSubquery(Func):
    """
    `column IN (subquery)`, written on PostgreSQL as `column = ANY(ARRAY(subquery))`: the
    subquery then runs once, before the scan, and each branch of an OR can use its column's
    index, where an IN under an OR is tested against every row of the table.
    """

    output_field = BooleanField()

    def __init__(self, column, queryset):
        super().__init__(F(column), Subquery(queryset.order_by().values("pk")))

    def compile_parts(self, compiler):
        (column, column_params), (subquery, subquery_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return column, subquery, (*column_params, *subquery_params)

    def as_sql(self, compiler, connection, **extra_context):
        column, subquery, params = self.compile_parts(compiler)
        return f"{column} IN {subquery}", params

    def as_postgresql(self, compiler, connection, **extra_context):
        column, subquery, params = self.compile_parts(compiler)
        return f"{column} = ANY(ARRAY{subquery})", params


def count_sql(queryset):
    """`SELECT COUNT(*)` of the queryset's rows (groups, if grouped), as SQL and parameters."""
    sql, params = queryset.order_by().values("pk").query.get_compiler(queryset.db).as_sql()
    return f"SELECT COUNT(*) FROM ({sql}) AS counted", params


class RowCount(RawSQL):
    """The number of rows of a queryset, as a scalar subquery to select with other rows."""

    def __init__(self, queryset):
        super().__init__(*count_sql(queryset), output_field=BigIntegerField())

    def get_group_by_cols(self):
        return []  # one value for the whole query: nothing to group by


def count_rows(**querysets):
    """
    {name: number of rows} of each queryset (all on one database), from one statement of
    scalar subqueries rather than one COUNT query each.
    """
    database = next(iter(querysets.values())).db
    selects, params = [], []
    for name, queryset in querysets.items():
        sql, query_params = count_sql(queryset)
        selects.append(f"({sql}) AS {name}")
        params.extend(query_params)
    with connections[database].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))
