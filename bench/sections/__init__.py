"""The benchmark's sections: their names in the order they run, and the code of each."""

# Known before Django is set up: the command line checks --only against them.
NAMES = ("scale-cities", "import", "export", "pages", "scale-rows")


def runners():
    """
    Section name -> the parent-side function that runs it and returns its Section. The
    section modules import the product's models, so this is called after django.setup().
    """
    from bench.sections import exports, imports, pages, scale

    return {
        "scale-cities": scale.queries_section,
        "import": imports.section,
        "export": exports.section,
        "pages": pages.section,
        "scale-rows": scale.db_time_section,
    }


def tasks():
    """Worker task name -> function, from every section (see bench/worker.py)."""
    from bench.sections import exports, imports, pages, scale

    return {**imports.TASKS, **exports.TASKS, **pages.TASKS, **scale.TASKS}
