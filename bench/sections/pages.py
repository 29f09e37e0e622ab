"""
Public pages under load: gunicorn on PostgreSQL with production settings, driven from loopback
by wrk in a separate process for a fixed time per URL, against a trivial Django view served by
the same server through the same middleware (the framework floor).
"""

import http.client
import json
import shutil
import socket
import subprocess
import sys
import time

from bench.client import count_queries, staff_client
from bench.data import CITY_SLUG, SEARCH
from bench.results import Section, SkipSection
from bench.runner import BENCH_DIR, ROOT

WORKERS = 2
CONNECTIONS = 8
TRIVIAL = "/bench/trivial/"

# (label, path, what a correct answer is): "html", "json" or "text".
PAGES = [
    ("trivial Django view (floor)", TRIVIAL, "text"),
    ("city list", "/cities/", "html"),
    ("city detail", f"/cities/{CITY_SLUG}/", "html"),
    ("officer list", "/officers/", "html"),
    ("officer search", f"/officers/?q={SEARCH}", "html"),
    ("cities as JSON", "/cities/?format=json", "json"),
]
LIST_PAGES = ("city list", "officer list", "officer search")


def wrk_version():
    if not shutil.which("wrk"):
        return None
    answer = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return (answer.stdout + answer.stderr).split("Copyright")[0].replace("wrk", "").strip()


# Worker side ------------------------------------------------------------------------------


def page_queries(paths, staff_paths=()):
    answer = count_queries(paths)
    if staff_paths:
        answer.update(count_queries(staff_paths, staff_client()))
    return answer


TASKS = {"page-queries": page_queries}


# Parent side ------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port, path):
    """(status, content type) of one GET, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Content-Type", "")
    finally:
        conn.close()


class Server:
    """gunicorn serving the product (bench.settings) on a free loopback port."""

    def __init__(self, ctx, log_path):
        self.ctx = ctx
        self.port = free_port()
        self.log_path = log_path
        self.process = None

    def __enter__(self):
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ascn.wsgi:application",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={WORKERS}",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=self.ctx.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                if fetch(self.port, TRIVIAL)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 30 s; see {self.log_path}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


def load(url, seconds):
    """wrk for `seconds` at CONNECTIONS concurrent connections; its summary (see wrk_report.lua)."""
    answer = subprocess.run(
        [
            "wrk",
            "--threads=1",
            f"--connections={CONNECTIONS}",
            f"--duration={seconds}s",
            "--timeout=5s",
            f"--script={BENCH_DIR / 'wrk_report.lua'}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in answer.stdout.splitlines() if line.startswith("{"))
    return json.loads(line)


def section(ctx):
    sizes = ctx.sizes
    if not wrk_version():
        raise SkipSection("wrk is not installed (Debian: apt-get install wrk)")
    ctx.log(f"pages: {sizes.page_officers:,} officers")
    ctx.worker(
        "load-officers", count=sizes.page_officers, total_cities=sizes.cities, seed=ctx.seed
    )
    queries = ctx.worker("page-queries", paths=[path for _, path, _ in PAGES])
    result = Section(
        title="Public pages under load",
        description=(
            f"gunicorn ({WORKERS} sync workers, DEBUG off, PostgreSQL) with {sizes.cities:,} "
            f"cities and {sizes.page_officers:,} officers; wrk from loopback in its own "
            f"process, {CONNECTIONS} connections, {sizes.load_seconds} s per URL after "
            f"{sizes.warmup_seconds} s of warm-up. Any answer other than 2xx counts as an "
            "error. *vs trivial* is the rate as a share of the trivial view's, served by the "
            "same server through the same middleware. Queries: SQL statements per request "
            "(Django test client, warm)."
        ),
        columns=[
            ("page", "Page"),
            ("path", "Path"),
            ("status", "Status"),
            ("queries", "Queries"),
            ("rps", "Requests/s"),
            ("p50_ms", "p50 ms"),
            ("p99_ms", "p99 ms"),
            ("errors", "Errors"),
            ("vs_trivial", "vs trivial"),
        ],
    )
    with Server(ctx, ctx.data_dir.parent / "gunicorn.log") as server:
        for label, path, kind in PAGES:
            status, content_type = fetch(server.port, path)
            row = {"page": label, "path": path, "status": status}
            row["queries"] = queries[path]["queries"]
            if not 200 <= status < 300:
                row["note"] = f"answers {status}: not measured"
                result.rows.append(row)
                continue
            if kind == "json" and "json" not in content_type:
                row["note"] = f"answers {content_type.split(';')[0]}, not JSON: not measured"
                result.rows.append(row)
                continue
            ctx.log(f"pages: {path}")
            if sizes.warmup_seconds:
                load(server.url(path), sizes.warmup_seconds)
            summary = load(server.url(path), sizes.load_seconds)
            errors = (
                sum(
                    summary[k]
                    for k in ("status_errors", "connect_errors", "read_errors", "write_errors")
                )
                + summary["timeouts"]
            )
            row.update(
                rps=summary["requests"] / (summary["duration_us"] / 1e6),
                p50_ms=summary["p50_us"] / 1000,
                p99_ms=summary["p99_us"] / 1000,
                errors=errors,
            )
            result.rows.append(row)
    floor = result.rows[0].get("rps")
    for row in result.rows:
        if floor and row.get("rps"):
            row["vs_trivial"] = f"{row['rps'] / floor:.0%}"
    return result
