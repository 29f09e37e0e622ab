"""
`python -m bench`: the whole benchmark in one run, against its own PostgreSQL database.

    python -m bench                 # full sizes, writes bench/results.md (make bench)
    python -m bench --quick         # small sizes, writes bench/out/quick.md (make bench-quick)
    python -m bench --only import   # some sections only
    python -m bench --rewrite       # the report again from its .json, targets judged afresh

The database named by BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ascn_bench,
ascn_bench_quick with --quick) is dropped and recreated: its name must start with ascn_bench.
Every case runs in a fresh worker process (bench/worker.py); this process only orchestrates,
drives the load tool and writes the report.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
OUT_DIR = BENCH_DIR / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ascn_bench"
SECTIONS = ("scale-cities", "import", "export", "pages", "scale-rows")


@dataclass(frozen=True)
class Sizes:
    cities: int
    import_rows: int
    stock_rows: int
    export_rows: tuple
    page_officers: int
    scale_officers: int
    load_seconds: int
    warmup_seconds: int
    page_repeats: int
    # Runs of each import and export case, each in a fresh process: the fastest is kept,
    # the usual defence against a shared, noisy machine.
    case_runs: int


FULL = Sizes(
    cities=2000,
    import_rows=50_000,
    stock_rows=3_000,
    export_rows=(10_000, 50_000),
    page_officers=10_000,
    scale_officers=1_000_000,
    load_seconds=10,
    warmup_seconds=2,
    page_repeats=5,
    case_runs=2,
)
QUICK = Sizes(
    cities=2000,
    import_rows=1_000,
    stock_rows=100,
    export_rows=(300, 1_000),
    page_officers=2_000,
    scale_officers=20_000,
    load_seconds=1,
    warmup_seconds=0,
    page_repeats=2,
    case_runs=1,
)


@dataclass
class Context:
    sizes: Sizes
    seed: int
    env: dict
    data_dir: Path
    verbose: bool = True

    def log(self, message):
        if self.verbose:
            print(f"[bench] {message}", file=sys.stderr, flush=True)

    def worker(self, task, **arguments):
        """Run one task in a fresh process; its JSON result."""
        from bench.worker import RESULT_MARKER

        process = subprocess.run(
            [sys.executable, "-m", "bench.worker", task, json.dumps(arguments)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if process.returncode != 0:
            sys.stderr.write(process.stdout + process.stderr)
            raise RuntimeError(f"bench worker {task} failed (exit {process.returncode})")
        for line in reversed(process.stdout.splitlines()):
            if line.startswith(RESULT_MARKER):
                return json.loads(line[len(RESULT_MARKER) :])
        raise RuntimeError(f"bench worker {task} printed no result:\n{process.stdout}")


def best_of(runs):
    """Runs of the same steps (lists of rows): for each step, the fastest run's row."""
    best = []
    for rows in zip(*runs, strict=True):
        timed = [row for row in rows if row.get("seconds")]
        best.append(min(timed, key=lambda row: row["seconds"]) if timed else rows[0])
    return best


def bench_env(database_url):
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url,
            # Production-like: DEBUG off (so no query log, hashed static files), a throwaway key.
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
            "PYTHONHASHSEED": "0",
        }
    )
    return env


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--out", type=Path, help="the Markdown report to write")
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--seed", type=int, default=None, help="data generator seed")
    parser.add_argument("--database-url", default=None, help="overrides BENCH_DATABASE_URL")
    parser.add_argument(
        "--rewrite",
        action="store_true",
        help="judge the targets again from the measurements kept beside the report (its .json) "
        "and rewrite the report, measuring nothing",
    )
    return parser.parse_args(argv)


def rewrite(out, sizes):
    """The report again from its kept measurements, with the targets' current explanations."""
    from bench import results, targets

    report, by_name = results.read_measurements(out.with_suffix(".json"))
    report.targets = targets.evaluate(by_name, sizes)
    results.write(report, out, by_name)
    print(results.render_text(report))
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from bench import data

    sizes = QUICK if args.quick else FULL
    seed = data.DEFAULT_SEED if args.seed is None else args.seed
    default_url = DEFAULT_URL + ("_quick" if args.quick else "")
    database_url = args.database_url or os.environ.get("BENCH_DATABASE_URL") or default_url
    out = args.out or (OUT_DIR / "quick.md" if args.quick else BENCH_DIR / "results.md")
    only = [s.strip() for s in args.only.split(",")] if args.only else list(SECTIONS)
    unknown = set(only) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))}")
    if args.rewrite:
        return rewrite(out, sizes)

    env = bench_env(database_url)
    os.environ.update(env)
    import django

    django.setup()
    from bench import exports, imports, pages, results, scale, targets

    ctx = Context(sizes=sizes, seed=seed, env=env, data_dir=OUT_DIR / "data")
    started = time.monotonic()
    ctx.log(f"database {database_url.rsplit('/', 1)[-1]}: creating and migrating")
    setup = ctx.worker("setup", total_cities=sizes.cities, seed=seed)
    versions = results.package_versions()
    versions["PostgreSQL"] = setup["server_version"]
    versions["wrk"] = pages.wrk_version() or "not installed"

    command = "make bench-quick" if args.quick else "make bench"
    report = results.Report(
        mode="quick" if args.quick else "full",
        command=command,
        machine=results.machine_info(),
        versions=versions,
        date=results.today(),
    )
    runners = {
        "scale-cities": scale.queries_section,
        "import": imports.section,
        "export": exports.section,
        "pages": pages.section,
        "scale-rows": scale.db_time_section,
    }
    by_name = {}
    for name in SECTIONS:
        if name not in only:
            continue
        section_started = time.monotonic()
        try:
            by_name[name] = runners[name](ctx)
        except results.SkipSection as skipped:
            by_name[name] = results.Section(
                title=name, description="", columns=[], skipped=str(skipped)
            )
        ctx.log(f"{name}: {time.monotonic() - section_started:.0f} s")
    report.sections = list(by_name.values())
    report.targets = targets.evaluate(by_name, sizes)
    results.write(report, out, by_name)
    print(results.render_text(report))
    ctx.log(
        f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} "
        f"in {time.monotonic() - started:.0f} s"
    )
    return 0
