"""gunicorn settings for `make serve` (README.md, Production). Each can be overridden on the
command line or with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, one request each: the usual 2 x cores + 1, or WEB_CONCURRENCY.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Restart each worker now and then, so that a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# Requests lines and headers past these sizes are refused with a 400 before Django runs.
limit_request_line = 8190
limit_request_fields = 100
