"""Processes the tests start against the test database: gunicorn, management commands."""

import contextlib
import http.client
import os
import re
import select
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "a-test-only-key-that-is-long-and-random-enough-0123456789-QWERTYUIOP",
    "DJANGO_ALLOWED_HOSTS": "registry.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://registry.example.org",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "DJANGO_PROXY_COUNT": "1",
    "DATABASE_URL": "postgres://registry@db.example.org:5432/ascn",
}
# What a request through the TLS-terminating proxy carries.
PROXY_HEADERS = {"Host": "registry.example.org", "X-Forwarded-Proto": "https"}


def clean_environment(**variables):
    """The process environment without any DJANGO_ or DATABASE_ variable, plus `variables`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_"))
    }
    env.update(variables)
    return env


def database_url():
    """DATABASE_URL of the test database this process uses (PostgreSQL)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def development_environment():
    """A development environment on the test database, for management commands."""
    return clean_environment(
        DJANGO_DEBUG="1",
        DJANGO_SECRET_KEY="test-only-not-secret",
        DATABASE_URL=database_url(),
    )


@contextlib.contextmanager
def gunicorn(tmp_path, workers=1, **variables):
    """gunicorn with the production settings on the test database, on a free loopback port.

    Yields its base URL; the log is printed when it stops (pytest shows it for a failure).
    """
    env = clean_environment(
        **{
            **PRODUCTION_ENV,
            "DATABASE_URL": database_url(),
            "DJANGO_ALLOWED_HOSTS": "registry.example.org,127.0.0.1",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "DJANGO_CONN_MAX_AGE": "0",
            **variables,
        }
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        timeout=120,
    )
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "ascn.wsgi"]
        + ["--config", "ascn/gunicorn.conf.py"]
        + ["--bind", "127.0.0.1:0", "--workers", str(workers)],
        cwd=BASE_DIR,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{listening_port(process)}"
    finally:
        process.terminate()
        _out, log = process.communicate(timeout=30)
        print(log)


def listening_port(process, timeout=60):
    """Read gunicorn's log until it says where it listens (no sleeping, bounded in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], deadline - time.monotonic())
        if not ready:
            break
        line = process.stderr.readline()
        if not line:
            break
        match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
        if match:
            return int(match.group(1))
    raise AssertionError("gunicorn did not start listening")


def fetch(url, **headers):
    """GET without following redirects: (status, headers, body)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def poll(check, timeout=60, what="the condition"):
    """Call `check` until it returns something true, within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def writer_of(table, process):
    """The PostgreSQL backend pid of another session that has written to `table` in a
    transaction still open (it holds a write lock), or None; fails if `process` ended."""
    if process.poll() is not None:
        raise AssertionError(f"{process.args} ended first: {process.stderr.read()}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = %s AND l.mode = 'RowExclusiveLock' "
            "AND l.granted AND l.pid <> pg_backend_pid()",
            [table],
        )
        row = cursor.fetchone()
    return row and row[0]
