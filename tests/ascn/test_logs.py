"""Log records as JSON lines, tagged with the request id; ADMINS and error e-mail from the
environment (ascn/logs.py, ascn/settings.py)."""

import json
import logging
import logging.config
import sys

import pytest

from ascn.logs import JSONFormatter, RequestIdFilter, request_id_var

from ..test_production import load_settings


def record(message="Booting worker with pid: %s", args=(42,), exc_info=None, **extra):
    entry = logging.LogRecord(
        "gunicorn.error", logging.ERROR, __file__, 1, message, args, exc_info
    )
    for name, value in extra.items():
        setattr(entry, name, value)
    return entry


def formatted(entry):
    RequestIdFilter().filter(entry)
    line = JSONFormatter().format(entry)
    assert "\n" not in line and "\r" not in line and line.isascii()
    return json.loads(line)


def test_a_record_is_one_json_line_with_time_level_logger_message_and_process():
    entry = formatted(record())
    assert entry["message"] == "Booting worker with pid: 42"
    assert entry["level"] == "ERROR" and entry["logger"] == "gunicorn.error"
    assert entry["time"].endswith("Z") and entry["time"][10] == "T"
    assert entry["request_id"] is None  # written outside a request
    assert isinstance(entry["process"], int)


def test_the_traceback_stays_on_the_line():
    try:
        raise ValueError("line one\nline two \u2028 caf\u00e9")
    except ValueError:
        entry = formatted(record("Internal Server Error: /cities/", (), sys.exc_info()))
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert "ValueError: line one\nline two \u2028 caf\u00e9" in entry["exception"]


def test_the_filter_tags_a_record_with_the_current_request_id():
    token = request_id_var.set("5f0c2b")
    try:
        assert formatted(record())["request_id"] == "5f0c2b"
    finally:
        request_id_var.reset(token)
    assert formatted(record())["request_id"] is None


def test_extra_fields_are_kept_and_a_request_becomes_its_method_and_path():
    class Request:
        method = "POST"
        path = "/admin/login/"

    entry = formatted(record("Forbidden", (), status_code=403, request=Request(), odd=object()))
    assert entry["status_code"] == 403
    assert (entry["method"], entry["path"]) == ("POST", "/admin/login/")
    assert entry["odd"].startswith("<object object")


# Settings ---------------------------------------------------------------------------------


def test_production_logs_json_to_stderr_and_mails_nobody_by_default():
    from tests.servers import PRODUCTION_ENV

    conf = load_settings(**PRODUCTION_ENV)
    logging_conf = conf["LOGGING"]
    assert logging_conf["disable_existing_loggers"] is False
    assert logging_conf["handlers"]["stderr"]["formatter"] == "json"
    assert logging_conf["handlers"]["stderr"]["stream"] == "ext://sys.stderr"
    for name in ("django", "registry"):
        assert logging_conf["loggers"][name]["handlers"] == ["stderr"]
    assert conf["ADMINS"] == []


def test_development_logs_plain_lines():
    assert load_settings(DJANGO_DEBUG="1")["LOGGING"]["handlers"]["stderr"]["formatter"] == "text"


def test_admins_and_the_mail_server_come_from_the_environment():
    from tests.servers import PRODUCTION_ENV

    conf = load_settings(
        **PRODUCTION_ENV,
        DJANGO_ADMINS="Registry Ops <ops@example.org>, dev@example.org",
        DJANGO_SERVER_EMAIL="registry@example.org",
        DJANGO_EMAIL_HOST="smtp.example.org",
        DJANGO_EMAIL_PORT="587",
        DJANGO_EMAIL_HOST_USER="registry",
        DJANGO_EMAIL_HOST_PASSWORD="secret",
        DJANGO_EMAIL_USE_TLS="1",
    )
    assert conf["ADMINS"] == [("Registry Ops", "ops@example.org"), ("", "dev@example.org")]
    assert conf["SERVER_EMAIL"] == "registry@example.org"
    assert (conf["EMAIL_HOST"], conf["EMAIL_PORT"]) == ("smtp.example.org", 587)
    assert (conf["EMAIL_HOST_USER"], conf["EMAIL_HOST_PASSWORD"]) == ("registry", "secret")
    assert conf["EMAIL_USE_TLS"] is True and conf["EMAIL_USE_SSL"] is False
    # With ADMINS, server errors are mailed as well as logged.
    assert conf["LOGGING"]["loggers"]["django"]["handlers"] == ["stderr", "mail_admins"]
    handler = conf["LOGGING"]["handlers"]["mail_admins"]
    assert handler["class"] == "django.utils.log.AdminEmailHandler"
    assert handler["level"] == "ERROR"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DJANGO_ADMINS": "Ops, ops.example.org"}, "DJANGO_ADMINS"),
        ({"DJANGO_EMAIL_USE_TLS": "1", "DJANGO_EMAIL_USE_SSL": "1"}, "exclude each other"),
        ({"DJANGO_LOG_FORMAT": "xml"}, "DJANGO_LOG_FORMAT"),
    ],
)
def test_a_wrong_logging_or_mail_variable_stops_the_process(variables, message):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match=message):
        load_settings(DJANGO_DEBUG="1", **variables)


@pytest.mark.django_db
def test_a_server_error_is_logged_as_json_and_mailed_to_the_admins(
    founding, client, settings, mailoutbox, capsys
):
    """The production LOGGING with DJANGO_ADMINS set, applied to this process: a view that
    fails writes its traceback to stderr and mails it to the admins."""
    from unittest import mock

    from django.conf import settings as live_settings

    from tests.servers import PRODUCTION_ENV

    conf = load_settings(**PRODUCTION_ENV, DJANGO_ADMINS="Registry Ops <ops@example.org>")
    settings.ADMINS = conf["ADMINS"]
    client.raise_request_exception = False
    logging.config.dictConfig(conf["LOGGING"])
    try:
        with mock.patch("registry.views.CityListView.get", side_effect=RuntimeError("boom")):
            response = client.get("/cities/")
    finally:
        logging.config.dictConfig(live_settings.LOGGING)
    assert response.status_code == 500
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    [error] = [line for line in lines if line["logger"] == "django.request"]
    assert error["request_id"] == response["X-Request-ID"]
    assert error["status_code"] == 500 and error["path"] == "/cities/"
    assert "RuntimeError: boom" in error["exception"]
    [mail] = mailoutbox
    assert mail.to == ["ops@example.org"]
    assert "RuntimeError at /cities/" in mail.body
    assert mail.subject.startswith("[ASCN Registry] ERROR")
