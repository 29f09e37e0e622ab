"""
What the sections share on the parent side: the sizes of a run, the run's context (which
starts every case in a fresh worker process) and how repeated runs are reduced to one. It
imports no section, so any section may import it.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
OUT_DIR = BENCH_DIR / "out"
# The worker prints its result on one line after this marker; anything else it prints is noise.
RESULT_MARKER = "BENCH-RESULT "


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
        """Run one task in a fresh process (bench/worker.py); its JSON result."""
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
    """The environment of this process's Django and of every worker and server it starts."""
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
