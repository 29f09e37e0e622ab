"""
`python -m bench.worker TASK JSON`: run one benchmark task in a fresh process and print its
result as one JSON line. A fresh process per case keeps cases from disturbing each other
(caches, connections, the memory high-water mark).
"""

import json
import sys

from bench.runner import RESULT_MARKER


def tasks():
    """Task name -> function: the database's own tasks and every section's."""
    from bench import db, sections

    return {"setup": db_setup, "load-officers": db.load_officers, **sections.tasks()}


def db_setup(total_cities, seed, recreate=True):
    from django.core.management import call_command

    from bench import db

    db.check_is_bench_database()
    if recreate:
        db.recreate_database()
    db.migrate()
    # Production settings serve hashed static names: every page needs the manifest.
    call_command("collectstatic", interactive=False, verbosity=0, clear=True)
    return {"server_version": db.server_version(), "cities": db.ensure_cities(total_cities, seed)}


def main(argv):
    import django

    django.setup()
    from bench.results import SkipSection

    task, arguments = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    try:
        result = tasks()[task](**arguments)
    except SkipSection as skipped:
        result = {"skipped": str(skipped)}
    sys.stdout.write(RESULT_MARKER + json.dumps(result, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
