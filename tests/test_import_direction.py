"""The package rules of README's Development section, checked on the source as it stands.

Read from the files with `ast`, so nothing is imported and every import counts: module level,
inside functions, relative or absolute.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A module may import modules of its own layer or of a lower one, never a higher
# one. Each entry is a dotted prefix; the longest matching prefix places a module.
LAYERS = [
    # The app's package itself (empty) and its helpers the models use.
    (
        "registry",
        "registry.folding",
        "registry.history",
        "registry.expressions",
        "registry.identifiers",
        "registry.text_validators",
    ),
    ("registry.models", "registry.source_citations"),
    # Domain helpers, built on the models.
    (
        "registry.permissions",
        "registry.confirmation",
        "registry.signals",
        "registry.popolo",
        "registry.changes",
        "registry.maps",
        "registry.forms",
        "registry.templatetags",
        "registry.open_data",
        "registry.date_input",
        "registry.serializers",
        "registry.suggestions",
    ),
    # registry.resources: the documented alias of the spreadsheet resources' old dotted path.
    (
        "registry.spreadsheets",
        "registry.resources",
        "registry.caching",
        "registry.pagination",
        "registry.filters",
        # The open data's descriptions: datasets (read from the resources), then the Data
        # Package and the linked data built from them.
        "registry.datasets",
        "registry.datapackage",
        "registry.linked_data",
    ),
    (
        "registry.views",
        "registry.urls",
        "registry.sitemaps",
        "registry.admin",
        "registry.staff",
        "registry.management",
        "registry.apps",
        "registry.migrations",
    ),
]

# Inside a package, the same rule between its parts (its modules and subpackages).
PACKAGE_LAYERS = {
    "registry.spreadsheets": [
        ("errors", "escaping", "gc_pause", "containers", "ods_text", "ods_writer"),
        ("", "files", "writers", "formats", "storage", "widgets"),
        ("engine", "export_reader"),
        ("columns", "officers", "resources"),
        ("downloads", "workbook"),
        ("admin",),
    ],
}

# Only these build HTTP responses (rule 3); everything else returns data.
RESPONSE_BUILDERS = (
    "registry.views",
    "registry.admin",
    "registry.staff",
    "registry.spreadsheets.downloads",
    "registry.spreadsheets.admin",
)
RESPONSE_NAMES = {
    "HttpResponse",
    "HttpResponseBadRequest",
    "HttpResponseNotModified",
    "HttpResponseRedirect",
    "StreamingHttpResponse",
    "FileResponse",
    "JsonResponse",
    "TemplateResponse",
    "render",
    "redirect",
}

MAX_LINES = 500


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(*tops):
    for top in tops:
        yield from sorted((ROOT / top).rglob("*.py"))


def imported_modules(path):
    """Every (line, module, names) an import in `path` names, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            names = tuple(alias.name for alias in node.names)
            yield node.lineno, target, names
            # `from registry import views` imports the module registry.views.
            for name in names:
                yield node.lineno, f"{target}.{name}", ()


def layer_of(module):
    best = None
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > len(best[1])
            ):
                best = (index, prefix)
    return best[0] if best else None


def is_module(name):
    """Whether `name` is a module or package of this tree (not a name inside one)."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def registry_modules():
    return [module_name(path) for path in source_files("registry")]


def test_every_registry_module_has_a_layer():
    unplaced = [name for name in registry_modules() if layer_of(name) is None]
    assert unplaced == [], f"place these modules in LAYERS: {unplaced}"


def test_registry_imports_point_down_only():
    upward = []
    for path in source_files("registry"):
        importer = module_name(path)
        own = layer_of(importer)
        for line, target, _names in imported_modules(path):
            if not target.startswith("registry.") or not is_module(target):
                continue
            theirs = layer_of(target)
            if theirs is not None and theirs > own:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert upward == []


def part_of(package, module):
    """The first part of `module` below `package` ("" for the package itself), or None."""
    if module == package:
        return ""
    if module.startswith(package + "."):
        return module.removeprefix(package + ".").split(".")[0]
    return None


@pytest.mark.parametrize("package", sorted(PACKAGE_LAYERS))
def test_imports_inside_a_package_point_down_only(package):
    rank = {part: index for index, parts in enumerate(PACKAGE_LAYERS[package]) for part in parts}
    root = ROOT.joinpath(*package.split("."))
    parts = {module_name(path) for path in root.rglob("*.py")}
    unplaced = sorted({part_of(package, name) for name in parts} - set(rank))
    assert unplaced == [], f"place these parts of {package} in PACKAGE_LAYERS: {unplaced}"
    upward = []
    for path in sorted(root.rglob("*.py")):
        own = rank[part_of(package, module_name(path))]
        for line, target, _names in imported_modules(path):
            part = part_of(package, target)
            if part is not None and is_module(target) and rank[part] > own:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert upward == []


def test_nothing_imports_views_or_admin():
    allowed = {
        "registry.views": {"registry.urls", "ascn.urls"},
        "registry.admin": set(),
        "registry.staff": {"registry.admin"},
    }
    offenders = []
    for path in source_files("registry", "ascn", "bench"):
        importer = module_name(path)
        for line, target, _names in imported_modules(path):
            for guarded, importers in allowed.items():
                inside = importer == guarded or importer.startswith(guarded + ".")
                if (target == guarded or target.startswith(guarded + ".")) and (
                    importer not in importers and not inside
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert offenders == []


@pytest.mark.parametrize("top", ["registry", "bench", "ascn"])
def test_product_and_bench_never_import_tests(top):
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in source_files(top)
        for line, target, _names in imported_modules(path)
        if target == "tests" or target.startswith("tests.")
    ]
    assert offenders == []


def test_registry_never_imports_bench():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in source_files("registry", "ascn")
        for line, target, _names in imported_modules(path)
        if target == "bench" or target.startswith("bench.")
    ]
    assert offenders == []


def test_only_views_staff_and_downloads_build_http_responses():
    offenders = []
    for path in source_files("registry"):
        importer = module_name(path)
        if any(importer == p or importer.startswith(p + ".") for p in RESPONSE_BUILDERS):
            continue
        for line, target, names in imported_modules(path):
            if target in {"django.http", "django.shortcuts", "django.template.response"}:
                built = RESPONSE_NAMES.intersection(names)
                if built:
                    offenders.append(f"{path.relative_to(ROOT)}:{line} imports {sorted(built)}")
    assert offenders == []


def test_modules_stay_under_the_size_limit():
    long = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in source_files("registry", "bench", "ascn")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert long == []


def test_the_checker_sees_relative_imports():
    # The checks above pass only if the reader finds imports at all: hold it to a known case.
    found = list(imported_modules(ROOT / "registry" / "urls.py"))
    assert any(target == "registry.views" for _line, target, _names in found)
    assert layer_of("registry.views") > layer_of("registry.models")
    inner = list(imported_modules(ROOT / "registry" / "spreadsheets" / "engine" / "resource.py"))
    assert any(target == "registry.spreadsheets.gc_pause" for _line, target, _names in inner)
