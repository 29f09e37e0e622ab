"""gunicorn settings for `make serve` (README.md, Production). Each can be overridden on the
command line or with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, one request each: the usual 2 x cores + 1, or WEB_CONCURRENCY.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Django is imported once, in the master, and each worker is a fork of it: a worker that is
# replaced serves again within milliseconds instead of re-importing the project. (A new
# release is started, not reloaded with HUP: HUP would keep the old code.)
preload_app = True
# Workers are not recycled: measured under load (wrk, 8 connections, 2 workers), replacing a
# worker leaves one worker serving everything for the seconds the replacement takes, and the
# new one starts with an empty page cache, so the p99 of cached pages doubles while any
# recycling goes on (with the earlier max_requests 2,000 and a jitter of 200 both workers
# restarted within the same second). No known leak calls for it, and gunicorn's timeout still
# replaces a stuck worker. GUNICORN_MAX_REQUESTS=N recycles each worker after N requests plus
# a random number up to N again, spread so that workers never restart together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests
# Requests lines and headers past these sizes are refused with a 400 before Django runs.
limit_request_line = 8190
limit_request_fields = 100

# Logs: gunicorn's error log on stderr in the format of the application's own log (one JSON
# object a line, ascn/logs.py; DJANGO_LOG_FORMAT=text for plain lines). The access log, on
# stdout, carries each request's id too; GUNICORN_ACCESS_LOG=0 leaves it out (the reverse
# proxy's log often says the same).
errorlog = "-"
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
_format = os.environ.get("DJANGO_LOG_FORMAT", "json").strip().lower() or "json"
_access = os.environ.get("GUNICORN_ACCESS_LOG", "1").strip().lower() not in {
    "0",
    "false",
    "no",
    "off",
}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ascn.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "ascn.logs.JSONFormatter"},
        "text": {"format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_id"],
            "formatter": _format,
        },
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": _format,
        },
        "discard": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {
            "handlers": ["stdout" if _access else "discard"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
