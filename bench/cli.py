"""
`python -m bench`: the whole benchmark in one run, against its own PostgreSQL database.

    python -m bench                 # full sizes, writes bench/results.md (make bench)
    python -m bench --quick         # small sizes, writes bench/out/quick.md (make bench-quick)
    python -m bench --only import   # some sections only
    python -m bench --rewrite       # the report again from its .json, targets judged afresh

The database named by BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ascn_bench,
ascn_bench_quick with --quick) is dropped and recreated: its name must start with ascn_bench.
Every case runs in a fresh worker process (bench/worker.py, started by bench/runner.py);
this process only orchestrates, drives the load tool and writes the report. The sections
themselves are in bench/sections/.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from bench import sections
from bench.runner import BENCH_DIR, FULL, OUT_DIR, QUICK, ROOT, Context, bench_env

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ascn_bench"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--out", type=Path, help="the Markdown report to write")
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(sections.NAMES)}")
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
    only = [s.strip() for s in args.only.split(",")] if args.only else list(sections.NAMES)
    unknown = set(only) - set(sections.NAMES)
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))}")
    if args.rewrite:
        return rewrite(out, sizes)

    env = bench_env(database_url)
    os.environ.update(env)
    import django

    django.setup()
    from bench import results, targets
    from bench.sections import pages

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
    runners = sections.runners()
    by_name = {}
    for name in sections.NAMES:
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
