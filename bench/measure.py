"""
What a case costs: wall time, SQL statements and their database time, and peak memory.

Peak memory is the growth of the process's resident set (Linux VmHWM) over what it held when
the case started: each case runs in a fresh worker process and resets the high-water mark
first, so a case is charged for its own peak only and tracemalloc's slowdown is avoided.
"""

import gc
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(key):
    for line in _STATUS.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def reset_peak_memory():
    """Start a new high-water mark at the current resident set size; False where unsupported."""
    gc.collect()
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def resident_mib():
    return _status_kib("VmRSS") / 1024


def peak_mib():
    return _status_kib("VmHWM") / 1024


class QueryLog:
    """A connection execute_wrapper: counts statements and sums the time the database took."""

    def __init__(self, keep_sql=False):
        self.count = 0
        self.seconds = 0.0
        self.keep_sql = keep_sql
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            self.count += 1
            self.seconds += elapsed
            if self.keep_sql:
                self.statements.append((sql, elapsed))


@dataclass
class Measurement:
    seconds: float = 0.0
    queries: int = 0
    db_seconds: float = 0.0
    peak_mib: float | None = None
    statements: list = field(default_factory=list)
    extra_queries: int = 0

    @property
    def total_queries(self):
        return self.queries + self.extra_queries


@contextmanager
def measured(keep_sql=False):
    """Time the block, log its SQL and charge it its peak memory."""
    result = Measurement()
    log = QueryLog(keep_sql=keep_sql)
    can_reset = reset_peak_memory()
    before = resident_mib()
    start = time.perf_counter()
    with connection.execute_wrapper(log):
        yield result
    result.seconds = time.perf_counter() - start
    result.queries = log.count
    result.db_seconds = log.seconds
    result.statements = log.statements
    if can_reset:
        result.peak_mib = max(peak_mib() - before, 0.0)


_COUNT = re.compile(r"\bCOUNT\(\*\)", re.IGNORECASE)


def is_count_over(sql, table):
    """A COUNT(*) over `table`; `full` when it has no WHERE clause (every row is counted)."""
    if not _COUNT.search(sql) or f'FROM "{table}"' not in sql:
        return None
    return "filtered" if " WHERE " in sql.upper() else "full"
