"""registry/spreadsheets/ imports point one way, and never at the views or the admin."""

import ast
from pathlib import Path

import registry.spreadsheets

PACKAGE = Path(registry.spreadsheets.__file__).parent
PREFIX = "registry.spreadsheets."
# Each module imports only from its own layer or the ones above it.
LAYERS = [
    {"errors", "escaping", "gc_pause"},
    {"__init__", "files", "writers", "formats", "storage", "widgets"},
    {"engine", "export_reader"},
    {"columns", "officers", "resources"},
    {"downloads", "workbook"},
    {"admin"},
]
FORBIDDEN = ("registry.views", "registry.admin", "registry.staff", "registry.urls")


def layer_of(module):
    """The layer of "registry.spreadsheets.engine.persist" (its first part below the package)."""
    top = module.removeprefix(PREFIX).split(".")[0] if module != PREFIX[:-1] else "__init__"
    return next(index for index, names in enumerate(LAYERS) if top in names)


def imports_of(path):
    """(importing module, imported name) for every import in the file at `path`."""
    parts = ["registry", "spreadsheets", *path.relative_to(PACKAGE).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
        package = parts
    else:
        package = parts[:-1]
    module = ".".join(parts)
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield module, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                # `from registry import views` imports registry.views.
                yield module, f"{target}.{alias.name}"


def test_spreadsheet_modules_import_only_their_own_layer_or_the_ones_above():
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, imported in imports_of(path):
            if imported.startswith(FORBIDDEN):
                violations.append(f"{module} imports {imported}")
            elif imported.startswith(PREFIX) and layer_of(imported) > layer_of(module):
                violations.append(f"{module} imports {imported}, a later layer")
    assert violations == []


def test_the_layer_check_sees_relative_imports():
    pairs = set(imports_of(PACKAGE / "engine" / "resource.py"))
    resource = "registry.spreadsheets.engine.resource"
    assert (resource, "registry.spreadsheets.widgets.display") in pairs
    assert (resource, "registry.spreadsheets.gc_pause") in pairs
