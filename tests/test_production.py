"""Production settings, security headers, the health check, login throttling and gunicorn."""

import contextlib
import importlib
import os
import re
import runpy
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import clear_url_caches, reverse

from ascn.middleware import client_ip

from .conftest import make_staff
from .servers import BASE_DIR, PRODUCTION_ENV, clean_environment, fetch, gunicorn

SETTINGS_FILE = BASE_DIR / "ascn" / "settings.py"

REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "DJANGO_SECURE_PROXY_SSL_HEADER",
    "DJANGO_PROXY_COUNT",
    "DATABASE_URL",
]


def load_settings(**variables):
    """Run ascn/settings.py in a fresh namespace with exactly these variables set."""
    with mock.patch.dict(os.environ, clean_environment(**variables), clear=True):
        return runpy.run_path(str(SETTINGS_FILE))


# Settings ---------------------------------------------------------------------------------


def test_production_settings_turn_on_every_protection():
    conf = load_settings(**PRODUCTION_ENV)
    assert conf["DEBUG"] is False
    assert conf["SECURE_SSL_REDIRECT"] is True
    assert conf["SECURE_HSTS_SECONDS"] >= 31536000
    assert conf["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and conf["SECURE_HSTS_PRELOAD"]
    assert conf["SESSION_COOKIE_SECURE"] and conf["CSRF_COOKIE_SECURE"]
    assert conf["SESSION_COOKIE_HTTPONLY"] and conf["CSRF_COOKIE_HTTPONLY"]
    assert conf["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert conf["CSRF_TRUSTED_ORIGINS"] == ["https://registry.example.org"]
    assert conf["ALLOWED_HOSTS"] == ["registry.example.org"]
    assert conf["X_FRAME_OPTIONS"] == "DENY"
    assert conf["SESSION_COOKIE_AGE"] == 9 * 60 * 60
    assert conf["PROXY_COUNT"] == 1
    assert conf["STORAGES"]["staticfiles"]["BACKEND"].startswith("whitenoise.")
    assert conf["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["default-src"] == ["'self'"]


@pytest.mark.parametrize("name", REQUIRED)
def test_production_refuses_to_start_without_a_required_variable(name):
    variables = {key: value for key, value in PRODUCTION_ENV.items() if key != name}
    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(**variables)


def test_production_refuses_debug_and_sqlite():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        load_settings(**PRODUCTION_ENV, DJANGO_DEBUG="1")
    with pytest.raises(ImproperlyConfigured, match="SQLite"):
        load_settings(**{**PRODUCTION_ENV, "DATABASE_URL": "sqlite:////tmp/registry.db"})
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ENV"):
        load_settings(**{**PRODUCTION_ENV, "DJANGO_ENV": "prod"})


def test_development_defaults_still_work_without_any_variable():
    conf = load_settings(DJANGO_DEBUG="1")
    assert conf["DEBUG"] is True and conf["PRODUCTION"] is False
    assert conf["ADMIN_URL"] == "admin/"
    assert not conf.get("SECURE_SSL_REDIRECT")


def test_the_admin_url_comes_from_the_environment():
    assert load_settings(DJANGO_DEBUG="1", DJANGO_ADMIN_URL="staff-7f3a/")["ADMIN_URL"] == (
        "staff-7f3a/"
    )
    for wrong in ("/staff/", "staff"):
        with pytest.raises(ImproperlyConfigured, match="DJANGO_ADMIN_URL"):
            load_settings(DJANGO_DEBUG="1", DJANGO_ADMIN_URL=wrong)


@pytest.mark.django_db
def test_the_admin_is_served_at_the_configured_path(client):
    import ascn.urls

    try:
        with override_settings(ADMIN_URL="staff-7f3a/"):
            importlib.reload(ascn.urls)
            clear_url_caches()
            assert client.get("/staff-7f3a/login/").status_code == 200
            assert client.get("/admin/login/").status_code == 404
    finally:
        importlib.reload(ascn.urls)
        clear_url_caches()
    assert client.get("/admin/login/").status_code == 200


def test_check_deploy_passes_with_the_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=clean_environment(**PRODUCTION_ENV),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# Headers and sessions ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/cities/", "/admin/login/"])
def test_pages_carry_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def assert_no_inline_script_or_style(response):
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    inline_scripts = [
        tag
        for tag in re.findall(r"<script\b[^>]*>", html)
        # JSON and JSON-LD blocks are data, which browsers never run (and CSP leaves alone).
        if "src=" not in tag
        and 'type="application/json"' not in tag
        and 'type="application/ld+json"' not in tag
    ]
    assert inline_scripts == []
    assert not re.search(r"<style\b", html)
    assert not re.search(r"\sstyle=\"", html)
    assert not re.search(r"\son[a-z]+=\"", html)
    assert "data:" not in " ".join(re.findall(r"(?:src|href)=\"[^\"]*\"", html))


@pytest.mark.django_db
def test_admin_pages_need_no_inline_script(founding, client):
    """The CSP forbids inline script and style: the admin's pages must not use any."""
    from registry.models import City

    client.force_login(make_staff("root", is_superuser=True))
    city = City.objects.get(name="Phnom Penh")
    pages = [
        reverse("admin:index"),
        reverse("admin:data-health"),
        reverse("admin:registry_city_changelist"),
        reverse("admin:registry_city_add"),
        reverse("admin:registry_city_change", args=[city.pk]),
        reverse("admin:registry_city_history", args=[city.pk]),
        reverse("admin:registry_city_import"),
        reverse("admin:registry_city_export"),
        reverse("admin:registry_workbook_import"),
    ]
    for page in pages:
        with subtests_of(page):
            assert_no_inline_script_or_style(client.get(page))


@pytest.mark.django_db
def test_import_previews_need_no_inline_script(founding, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from registry.spreadsheets.workbook import export_workbook

    from .spreadsheet_files import admin_preview, csv_bytes

    client.force_login(make_staff("root", is_superuser=True))
    good = csv_bytes([["name", "member_state"], ["Khon Kaen", "TH"]])
    bad = csv_bytes([["name", "member_state"], ["Atlantis", "XX"]])
    for data in (good, bad):
        preview = admin_preview(client, "city", "cities.csv", data, "csv")
        assert_no_inline_script_or_style(preview)
    upload = SimpleUploadedFile("registry.xlsx", export_workbook("xlsx"))
    preview = client.post(reverse("admin:registry_workbook_import"), {"import_file": upload})
    assert_no_inline_script_or_style(preview)


@pytest.mark.django_db
def test_public_pages_need_no_inline_script(founding, client):
    from registry.models import Agreement, MemberState

    pages = ["/", "/member-states/", "/cities/", "/cities/bangkok/", "/officers/"]
    pages += ["/agreements/", "/sources/", "/cities/?member_state=ZZ"]
    pages += [MemberState.objects.get(code="TH").get_absolute_url()]
    pages += [Agreement.objects.first().get_absolute_url()]
    for page in pages:
        with subtests_of(page):
            response = client.get(page)
            if response.status_code == 400:  # the bad filter's page, with its message
                response.status_code = 200
            assert_no_inline_script_or_style(response)


@contextlib.contextmanager
def subtests_of(page):
    """Names the page in the failure message of an assertion inside."""
    try:
        yield
    except AssertionError as error:
        raise AssertionError(f"{page}: {error}") from error


@pytest.mark.django_db
def test_a_staff_session_lasts_a_working_day(client):
    make_staff("editor", "Secretariat editor")
    response = client.post(reverse("admin:login"), {"username": "editor", "password": "pw"})
    assert response.status_code == 302
    assert client.session.get_expiry_age() == 9 * 60 * 60
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["max-age"] == 9 * 60 * 60


# Health check ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_200_with_one_query_and_no_session(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz", HTTP_HOST="10.0.0.7")  # a load balancer's address
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert len(queries) == 1
    assert "Set-Cookie" not in response
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch.object(connection, "cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


# Login throttling --------------------------------------------------------------------------


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_user_out_from_that_address(client):
    make_staff("editor", "Secretariat editor")
    login = reverse("admin:login")

    def attempt(password, address="203.0.113.9"):
        return client.post(
            login, {"username": "editor", "password": password}, REMOTE_ADDR=address
        )

    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt("wrong").status_code == 200  # the form again, with its error
    assert attempt("wrong").status_code == 429
    # Locked out: even the right password is refused from there...
    assert attempt("pw").status_code == 429
    # ...while the same user elsewhere logs in.
    assert attempt("pw", address="198.51.100.4").status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.2"),  # no proxy: the header is the client's own claim
        (1, "1.1.1.1", "1.1.1.1"),
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # a forged entry to the left is ignored
        (2, "6.6.6.6, 1.1.1.1, 10.0.0.9", "1.1.1.1"),
        (2, "1.1.1.1", "10.0.0.2"),  # fewer entries than proxies: not trusted
    ],
)
def test_the_client_address_is_taken_behind_the_configured_proxies(
    proxies, forwarded_for, expected
):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    with override_settings(PROXY_COUNT=proxies):
        assert client_ip(request) == expected


# gunicorn ---------------------------------------------------------------------------------


@pytest.fixture
def gunicorn_server(django_db_setup, django_db_blocker, tmp_path):
    """gunicorn with the production settings on the test database, on a free loopback port."""
    if connection.vendor != "postgresql":
        pytest.skip("production runs on PostgreSQL; set DATABASE_URL to run this test")
    with gunicorn(tmp_path) as url:
        yield url


@pytest.mark.django_db
def test_gunicorn_serves_the_production_settings(gunicorn_server):
    status, headers, body = fetch(f"{gunicorn_server}/healthz")
    assert (status, body) == (200, b"ok\n")
    assert headers["X-Content-Type-Options"] == "nosniff"

    # Through the TLS-terminating proxy: HSTS, CSP and the framing ban on a real page.
    status, headers, body = fetch(
        f"{gunicorn_server}/admin/login/", Host="registry.example.org", X_Forwarded_Proto="https"
    )
    assert status == 200
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    stylesheet = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', body)
    assert stylesheet, "WhiteNoise serves hashed static file names"
    status, headers, _css = fetch(
        gunicorn_server + stylesheet.group(1).decode(),
        Host="registry.example.org",
        X_Forwarded_Proto="https",
    )
    assert status == 200 and "immutable" in headers["Cache-Control"]

    # Plain HTTP is redirected to HTTPS, except the health check.
    status, headers, _body = fetch(f"{gunicorn_server}/cities/", Host="registry.example.org")
    assert status == 301 and headers["Location"].startswith("https://")
