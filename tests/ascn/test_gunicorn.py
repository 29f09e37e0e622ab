"""gunicorn with the shipped config and the production settings: its logs, request ids and
body limits as a deployment meets them (ascn/gunicorn.conf.py)."""

import contextlib
import http.client
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from unittest import mock

from ..servers import BASE_DIR, PRODUCTION_ENV, PROXY_HEADERS, clean_environment, listening_port

CONFIG_FILE = BASE_DIR / "ascn" / "gunicorn.conf.py"
# A PostgreSQL server that refuses every connection: the database is down.
UNREACHABLE_DATABASE = "postgres://registry@127.0.0.1:1/ascn"


def load_config(**variables):
    with mock.patch.dict(os.environ, variables):
        return runpy.run_path(str(CONFIG_FILE))


def test_workers_are_forked_from_a_loaded_app_and_recycled_only_over_a_wide_spread():
    config = load_config()
    assert config["preload_app"] is True
    assert config["max_requests"] == 0  # measured: recycling costs the tail (README.md)
    # When asked for, each worker restarts after N requests plus up to N again.
    config = load_config(GUNICORN_MAX_REQUESTS="5000")
    assert (config["max_requests"], config["max_requests_jitter"]) == (5000, 5000)


def test_gunicorn_logs_json_to_stderr_and_the_access_log_is_optional():
    loggers = load_config()["logconfig_dict"]["loggers"]
    handlers = load_config()["logconfig_dict"]["handlers"]
    assert loggers["gunicorn.error"]["handlers"] == ["stderr"]
    assert handlers["stderr"]["stream"] == "ext://sys.stderr"
    assert handlers["stderr"]["formatter"] == "json"
    assert loggers["gunicorn.access"]["handlers"] == ["stdout"]
    off = load_config(GUNICORN_ACCESS_LOG="0")["logconfig_dict"]["loggers"]
    assert off["gunicorn.access"]["handlers"] == ["discard"]


@contextlib.contextmanager
def gunicorn_logs(tmp_path, **variables):
    """gunicorn (one worker) with the production settings; yields (port, logs), where logs
    fills with the parsed JSON lines of stderr and stdout once gunicorn has stopped."""
    env = clean_environment(
        **{
            **PRODUCTION_ENV,
            "DATABASE_URL": UNREACHABLE_DATABASE,
            "DJANGO_ALLOWED_HOSTS": "registry.example.org,127.0.0.1",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
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
    stdout_path = tmp_path / "stdout.log"
    with open(stdout_path, "w") as stdout:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "ascn.wsgi"]
            + ["--config", "ascn/gunicorn.conf.py", "--bind", "127.0.0.1:0", "--workers", "1"],
            cwd=BASE_DIR,
            env=env,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
        )
    logs = {}
    try:
        yield listening_port(process), logs
    finally:
        process.terminate()
        _out, stderr = process.communicate(timeout=30)
        print(stderr)
        logs["stderr"] = [json.loads(line) for line in stderr.splitlines() if line.strip()]
        logs["stdout"] = [
            json.loads(line) for line in stdout_path.read_text().splitlines() if line.strip()
        ]


def request(port, method, path, body=None, **headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True)
        for name, value in {**PROXY_HEADERS, **headers}.items():
            conn.putheader(name.replace("_", "-"), value)
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def test_a_server_error_reaches_stderr_as_one_json_line_with_its_request_id(tmp_path):
    """With the database down, a page is a 500: its traceback is in gunicorn's stderr, on one
    JSON line tagged with the id the response carried; the access log names the same id."""
    with gunicorn_logs(tmp_path) as (port, logs):
        status, headers, _body = request(port, "GET", "/cities/")
        assert status == 500
        request_id = headers["X-Request-ID"]
        # A proxy's own id is kept, end to end.
        status, headers, _body = request(port, "GET", "/healthz", X_Request_ID="lb-7f3a-0001")
        assert (status, headers["X-Request-ID"]) == (503, "lb-7f3a-0001")
    requests = {
        line["request_id"]: line for line in logs["stderr"] if line["logger"] == "django.request"
    }
    error = requests[request_id]
    assert error["level"] == "ERROR"
    assert error["request_id"] == request_id
    assert (error["status_code"], error["method"], error["path"]) == (500, "GET", "/cities/")
    assert error["exception"].startswith("Traceback (most recent call last):")
    assert "OperationalError" in error["exception"]
    assert requests["lb-7f3a-0001"]["status_code"] == 503
    # gunicorn's own lines are JSON too.
    assert any(line["message"].startswith("Booting worker") for line in logs["stderr"])
    access = {line["request_id"]: line["message"] for line in logs["stdout"]}
    assert '"GET /cities/ HTTP/1.1" 500' in access[request_id]
    assert '"GET /healthz HTTP/1.1" 503' in access["lb-7f3a-0001"]


def test_an_oversized_body_is_refused_before_it_is_sent(tmp_path):
    """gunicorn answers 413 to the headers alone: no byte of the 100 MB was ever sent."""
    with gunicorn_logs(tmp_path) as (port, logs):
        status, headers, body = request(
            port,
            "POST",
            "/admin/login/",
            Content_Type="multipart/form-data; boundary=x",
            Content_Length=str(100 * 1024 * 1024),
        )
        assert status == 413, body
    [warning] = [line for line in logs["stderr"] if line["logger"] == "django.request"]
    assert warning["status_code"] == 413
    assert warning["request_id"] == headers["X-Request-ID"]
