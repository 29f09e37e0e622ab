"""
Every public page type is valid HTML by the Nu HTML Checker (npm `vnu-jar`, run with Java).

The pages are rendered with Django's test client, written to files and checked by one run of
the checker. Skipped, with the reason, where Java or vnu.jar is missing (.ci/run installs
both).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .test_browser import ERROR_PAGES, PUBLIC_PAGES

VNU_JAR = Path(__file__).resolve().parent.parent / "node_modules/vnu-jar/build/dist/vnu.jar"


def nu_checker_errors(files):
    """The checker's errors in `files`, as "file:line: message" lines."""
    java = shutil.which("java")
    if not java:
        pytest.skip(
            "No Java runtime for the Nu HTML Checker (apt-get install default-jre-headless)"
        )
    if not VNU_JAR.exists():
        pytest.skip("The Nu HTML Checker is not installed (npm ci at the repository root)")
    run = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


def save(tmp_path, client, path, status=None):
    """Write the page at `path` to a file; a public page is a 200, or a 400 for bad input."""
    response = client.get(path)
    assert response.status_code in ([status] if status else [200, 400]), path
    assert response["Content-Type"].startswith("text/html"), path
    name = path.strip("/").replace("/", "_").replace("?", "_").replace("&", "_") or "home"
    target = tmp_path / f"{name}.html"
    target.write_bytes(response.content)
    return target


@pytest.mark.django_db
def test_every_public_page_and_error_page_is_valid_html(founding, client, settings, tmp_path):
    settings.ROOT_URLCONF = "tests.error_urls"
    settings.DEBUG = False
    client.raise_request_exception = False  # the 500 page, not the exception
    files = [save(tmp_path, client, path) for path in PUBLIC_PAGES]
    files += [save(tmp_path, client, path, status) for path, status in ERROR_PAGES.items()]
    assert nu_checker_errors(files) == []


@pytest.mark.django_db
def test_a_page_of_changes_is_valid_html(founding, client, tmp_path):
    from .test_changes import record_some_changes

    record_some_changes()
    assert nu_checker_errors([save(tmp_path, client, "/changes/")]) == []


def test_the_checker_reports_an_invalid_page(tmp_path):
    """The check above could not pass by reading nothing."""
    page = tmp_path / "invalid.html"
    page.write_text(
        '<!doctype html><html lang="en"><head><title>x</title></head>'
        '<body><input type="date" value="bad"><p><div></div></p></body></html>'
    )
    assert nu_checker_errors([page])
