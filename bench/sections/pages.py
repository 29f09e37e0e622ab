"""
Public pages under load: gunicorn on PostgreSQL with production settings, driven from loopback
by wrk in a separate process for a fixed time per URL, against a trivial Django view served by
the same server through the same middleware (the framework floor).
"""

import datetime
import http.client
import json
import shutil
import socket
import subprocess
import sys
import time

from bench.client import count_queries, staff_client, staff_user
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
# The secretariat's confirmation-round pages, requested with a staff session (issue: a round
# covers every state, the return page lists all of the largest state's cities and officers).
ROUND_TITLE = "Benchmark confirmation round"


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


def round_pages():
    """
    A round over every member state (opened once), the paths of its round page and of the
    largest state's return page, their query counts and a staff session cookie to load them.
    """
    from django.conf import settings
    from django.db.models import Count, Q
    from django.utils import timezone

    from registry import confirmation
    from registry.models import ConfirmationRound, Officer

    client = staff_client()
    round_ = ConfirmationRound.objects.filter(title=ROUND_TITLE).first()
    if round_ is None:
        due = timezone.localdate() + datetime.timedelta(days=30)
        round_ = confirmation.open_round(ROUND_TITLE, due, opened_by=staff_user())
    largest = (
        round_.returns.select_related("member_state")
        .annotate(cities=Count("member_state__cities"))
        .order_by("-cities")
        .first()
    )
    state = largest.member_state
    in_post = Officer.objects.filter(Q(city__member_state=state) | Q(member_state=state))
    paths = [round_.get_absolute_url(), largest.get_absolute_url()]
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    return {
        "paths": paths,
        "queries": count_queries(paths, client),
        "cookie": f"{session.key}={session.value}",
        "states": round_.returns.count(),
        "state": state.name,
        "cities": largest.cities,
        "officers": in_post.filter(end_date__isnull=True).count(),
    }


TASKS = {"page-queries": page_queries, "round-pages": round_pages}


# Parent side ------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port, path, headers=None):
    """(status, content type) of one GET, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
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


def load(url, seconds, headers=None):
    """wrk for `seconds` at CONNECTIONS concurrent connections; its summary (see wrk_report.lua)."""
    answer = subprocess.run(
        [
            "wrk",
            "--threads=1",
            f"--connections={CONNECTIONS}",
            f"--duration={seconds}s",
            "--timeout=5s",
            f"--script={BENCH_DIR / 'wrk_report.lua'}",
            *(f"--header={name}: {value}" for name, value in (headers or {}).items()),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in answer.stdout.splitlines() if line.startswith("{"))
    return json.loads(line)


def measure(ctx, server, label, path, kind, queries, headers=None):
    """One page's row: its status and query count, then its rate and latencies under wrk."""
    sizes = ctx.sizes
    started = time.perf_counter()
    status, content_type = fetch(server.port, path, headers)
    row = {
        "page": label,
        "path": path,
        "status": status,
        "queries": queries[path]["queries"],
        # A first request: this worker process has not rendered the page before.
        "first_ms": (time.perf_counter() - started) * 1000,
    }
    if not 200 <= status < 300:
        row["note"] = f"answers {status}: not measured"
        return row
    if kind == "json" and "json" not in content_type:
        row["note"] = f"answers {content_type.split(';')[0]}, not JSON: not measured"
        return row
    ctx.log(f"pages: {path}")
    if sizes.warmup_seconds:
        load(server.url(path), sizes.warmup_seconds, headers)
    summary = load(server.url(path), sizes.load_seconds, headers)
    errors = (
        sum(summary[k] for k in ("status_errors", "connect_errors", "read_errors", "write_errors"))
        + summary["timeouts"]
    )
    if not summary["requests"]:
        row["note"] = f"no request answered within the {sizes.load_seconds} s run"
        return row
    row.update(
        rps=summary["requests"] / (summary["duration_us"] / 1e6),
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        errors=errors,
    )
    return row


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
        title="Pages under load",
        description=(
            f"gunicorn ({WORKERS} sync workers, DEBUG off, PostgreSQL) with {sizes.cities:,} "
            f"cities and {sizes.page_officers:,} officers; wrk from loopback in its own "
            f"process, {CONNECTIONS} connections, {sizes.load_seconds} s per URL after "
            f"{sizes.warmup_seconds} s of warm-up. Any answer other than 2xx counts as an "
            "error. *vs trivial* is the rate as a share of the trivial view's, served by the "
            "same server through the same middleware. Queries: SQL statements per request "
            "(Django test client, warm). *First ms*: the whole first answer to a fresh server. "
            "The last two rows are the secretariat's pages of a "
            "confirmation round over every member state, requested with a staff session."
        ),
        columns=[
            ("page", "Page"),
            ("path", "Path"),
            ("status", "Status"),
            ("queries", "Queries"),
            ("first_ms", "First ms"),
            ("rps", "Requests/s"),
            ("p50_ms", "p50 ms"),
            ("p99_ms", "p99 ms"),
            ("errors", "Errors"),
            ("vs_trivial", "vs trivial"),
        ],
    )
    rounds = ctx.worker("round-pages")
    staff = {"Cookie": rounds["cookie"]}
    round_page, return_page = rounds["paths"]
    staff_pages = [
        (f"confirmation round page ({rounds['states']} states, staff)", round_page, "html"),
        (
            f"return page ({rounds['state']}: {rounds['cities']:,} cities, "
            f"{rounds['officers']:,} officers in post, staff)",
            return_page,
            "html",
        ),
    ]
    queries.update(rounds["queries"])
    with Server(ctx, ctx.data_dir.parent / "gunicorn.log") as server:
        for label, path, kind in PAGES:
            result.rows.append(measure(ctx, server, label, path, kind, queries))
        for label, path, kind in staff_pages:
            result.rows.append(measure(ctx, server, label, path, kind, queries, staff))
    floor = result.rows[0].get("rps")
    for row in result.rows:
        if floor and row.get("rps"):
            row["vs_trivial"] = f"{row['rps'] / floor:.0%}"
    return result
