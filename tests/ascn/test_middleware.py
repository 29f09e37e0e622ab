"""The request id and the request body limits (ascn/middleware.py)."""

import io
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import HttpResponse
from django.test.utils import override_settings
from django.urls import reverse

from ascn.logs import RequestIdFilter, request_id_var
from ascn.middleware import RequestBodyLimitMiddleware

from ..spreadsheet_files import admin_preview, csv_bytes

# Request ids -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming", ["3f2b8c1e-9d4a-4f5e-8a7b-1c2d3e4f5a6b", "nginx.7f3a:req-42", "A"]
)
def test_a_safe_incoming_request_id_is_kept(client, incoming):
    assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming",
    [
        "",
        "x" * 65,  # too long
        "id with spaces",
        'id"},{"level":"CRITICAL',  # an attempt to forge a JSON log field
        "-leading-dash",
        "caf\u00e9",
        "id\r\nSet-Cookie: a=b",
    ],
)
def test_an_unsafe_incoming_request_id_is_replaced(client, incoming):
    sent = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"]
    assert sent != incoming
    assert len(sent) == 32 and int(sent, 16) >= 0


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []
        self.addFilter(RequestIdFilter())

    def emit(self, record):
        self.records.append(record)


@pytest.mark.django_db
def test_log_records_of_a_request_carry_its_id_even_after_the_middleware(client):
    """Django logs a 4xx after the middleware chain has returned: the id is still set then,
    and cleared once the response is closed."""
    handler = Records()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/cities/?q=%00")  # answered 400 by RejectNullBytesMiddleware
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 400
    assert [record.request_id for record in handler.records] == [response["X-Request-ID"]]
    assert request_id_var.get() is None


# Body limits -------------------------------------------------------------------------------


class UnreadableInput:
    """A wsgi.input that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read

    def __iter__(self):
        raise AssertionError("the request body was read")


class CountingInput(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def wsgi_post(path, stream, **environ):
    """POST through Django's WSGI handler, as gunicorn calls it: (status, headers, body)."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(headers)

    body = b"".join(
        WSGIHandler()(
            {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": path,
                "SCRIPT_NAME": "",
                "QUERY_STRING": "",
                "SERVER_NAME": "testserver",
                "SERVER_PORT": "80",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": "203.0.113.5",
                "wsgi.url_scheme": "http",
                "wsgi.input": stream,
                "wsgi.errors": io.StringIO(),
                "wsgi.version": (1, 0),
                "wsgi.multithread": False,
                "wsgi.multiprocess": True,
                "wsgi.run_once": False,
                **environ,
            },
            start_response,
        )
    )
    return answer["status"], answer["headers"], body


@pytest.mark.django_db
def test_a_100_mb_anonymous_login_post_is_refused_unread():
    status, headers, body = wsgi_post(
        "/admin/login/",
        UnreadableInput(),
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
    )
    assert status == 413
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "X-Request-ID" in headers
    assert b"100.0\xc2\xa0MB, more than 64.0\xc2\xa0KB" in body


@pytest.mark.django_db
def test_a_chunked_body_over_the_limit_is_refused_after_reading_one_byte_past_it():
    stream = CountingInput(b"a=" + b"b" * (10 * 1024 * 1024))
    status, _headers, _body = wsgi_post(
        "/admin/login/",
        stream,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert status == 413
    assert stream.bytes_read == 64 * 1024 + 1


@pytest.mark.django_db
def test_a_chunked_body_under_the_limit_reaches_the_view_whole():
    """Without this, Django would read no byte of a body sent without Content-Length."""
    form = b"username=nobody&password=wrong&next=%2Fadmin%2F"
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/admin/login/",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input": CountingInput(form),
            "wsgi.url_scheme": "http",
        }
    )
    seen = {}

    def view(request):
        seen.update(request.POST.dict())
        return HttpResponse("ok")

    assert RequestBodyLimitMiddleware(view)(request).status_code == 200
    assert seen == {"username": "nobody", "password": "wrong", "next": "/admin/"}


@pytest.mark.django_db
def test_a_content_length_that_is_no_number_is_a_400():
    status, _headers, _body = wsgi_post("/admin/login/", UnreadableInput(), CONTENT_LENGTH="12x")
    assert status == 400


@pytest.mark.django_db
def test_public_pages_take_a_small_body_only(client):
    response = client.post("/cities/", {"note": "x" * (65 * 1024)})
    assert response.status_code == 413
    assert client.post("/cities/", {"note": "x"}).status_code == 405  # read, then refused


@pytest.mark.django_db
@override_settings(
    REGISTRY_MAX_REQUEST_BYTES=4 * 1024, REGISTRY_IMPORT_MAX_REQUEST_BYTES=64 * 1024
)
def test_an_import_upload_under_the_import_limit_reaches_the_view(founding, client, superuser):
    client.force_login(superuser)
    rows = [["name", "member_state"]] + [[f"Town {n}", "TH"] for n in range(400)]
    data = csv_bytes(rows)
    assert 4 * 1024 < len(data) < 60 * 1024  # over the small limit, under the import one
    preview = admin_preview(client, "city", "cities.csv", data, "csv")
    assert preview.status_code == 200
    assert "confirm_form" in preview.context  # the view read and previewed the file
    # The same body to any other admin page is refused.
    response = client.post(
        reverse("admin:registry_city_add"), {"name": "x" * 5000, "member_state": "TH"}
    )
    assert response.status_code == 413


@pytest.mark.django_db
@override_settings(
    REGISTRY_MAX_REQUEST_BYTES=4 * 1024, REGISTRY_IMPORT_MAX_REQUEST_BYTES=64 * 1024
)
@pytest.mark.parametrize("view", ["registry_city_import", "registry_workbook_import"])
def test_an_import_upload_over_the_import_limit_is_refused(founding, client, superuser, view):
    client.force_login(superuser)
    data = csv_bytes([["name", "member_state"]] + [[f"Town {n}", "TH"] for n in range(6000)])
    assert len(data) > 64 * 1024
    response = client.post(
        reverse(f"admin:{view}"), {"import_file": SimpleUploadedFile("cities.csv", data)}
    )
    assert response.status_code == 413
    assert b"the most this address accepts" in response.content
