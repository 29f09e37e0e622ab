"""
Log records as one-line JSON for log collectors, each tagged with the id of the request it
was written during (README.md, Production: Logging).

ascn.middleware.RequestIdMiddleware sets the id for each request; RequestIdFilter copies it
onto every record a handler emits; JSONFormatter writes the record. gunicorn's own logs use
the same formatter (ascn/gunicorn.conf.py), so an app server writes one format to stderr.
This module imports nothing from Django: gunicorn loads it before the application.
"""

import contextvars
import datetime
import json
import logging

# The current request's id, or None outside a request (start-up, a management command).
request_id_var = contextvars.ContextVar("request_id", default=None)

# What every LogRecord carries; any other attribute came from a logging call's `extra`.
RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


class RequestIdFilter(logging.Filter):
    """Tags each record with the id of the request being handled (None outside one)."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class JSONFormatter(logging.Formatter):
    """
    One JSON object per record, on one line: time (UTC, ISO 8601), level, logger, message,
    request_id, process, the traceback as a string when there is one, and the record's
    `extra` fields (Django's status_code; a `request` becomes its method and path).

    Non-ASCII characters are escaped, so no message or traceback can break the line, and a
    value JSON cannot hold is written as its str().
    """

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "process": record.process,
        }
        for name, value in vars(record).items():
            if name in RECORD_ATTRIBUTES or name.startswith("_") or name in entry:
                continue
            if name == "request":
                entry["method"] = getattr(value, "method", None)
                entry["path"] = getattr(value, "path", None)
            else:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)
