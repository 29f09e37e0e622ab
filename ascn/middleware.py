"""Request handling that sits in front of the site: request ids, the health check and input
guards."""

import io
import re
import uuid

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.core.signals import request_finished
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.defaultfilters import filesizeformat

from .logs import request_id_var

HEALTH_CHECK_PATH = "/healthz"

# An incoming X-Request-ID is kept only when it is a short token that cannot forge a log
# line or a header: letters, digits and . _ : - (a UUID, nginx's $request_id, a trace id).
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

# Admin paths that receive a spreadsheet upload or its confirmation (django-import-export's
# <model>/import/ and <model>/process_import/, and the whole-registry workbook/import/).
IMPORT_PATH_ENDINGS = ("/import/", "/process_import/")


def clear_request_id(**kwargs):
    request_id_var.set(None)


class RequestIdMiddleware:
    """Give each request an id, for its log records and its X-Request-ID response header.

    The id of a proxy in front (X-Request-ID) is kept when it is a safe short token, so one id
    follows the request through the proxy's log and ours; anything else is replaced by a
    fresh one. It is cleared when the response is closed (request_finished), not when this
    middleware returns: Django logs a 4xx after the middleware chain, and a streaming
    response is still being written then.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(clear_request_id, dispatch_uid="ascn-clear-request-id")

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class RequestBodyLimitMiddleware:
    """Refuse a body over its path's limit with 413, before anything reads it.

    The admin's import endpoints take REGISTRY_IMPORT_MAX_REQUEST_BYTES (the upload limit
    plus room for the form around the file); every other path DJANGO_MAX_REQUEST_BYTES. The
    size comes from Content-Length. A chunked body has none (and Django would read nothing
    of it): at most limit + 1 bytes of it are read, and it is refused if they are all there,
    else handed on as if it had come with its length.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL

    def limit_for(self, path):
        if path.startswith(self.admin_prefix) and path.endswith(IMPORT_PATH_ENDINGS):
            return settings.REGISTRY_IMPORT_MAX_REQUEST_BYTES
        return settings.REGISTRY_MAX_REQUEST_BYTES

    def __call__(self, request):
        limit = self.limit_for(request.path_info)
        declared = request.META.get("CONTENT_LENGTH", "").strip()
        if declared:
            if not declared.isdigit():
                return HttpResponseBadRequest(
                    "Content-Length is not a number.", content_type="text/plain; charset=utf-8"
                )
            if int(declared) > limit:
                return self.too_large(int(declared), limit)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = request.META["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return self.too_large(None, limit)
            request.META["CONTENT_LENGTH"] = str(len(body))
            # WSGIRequest reads its body through this stream (django.core.handlers.wsgi).
            request._stream = LimitedStream(io.BytesIO(body), len(body))
        return self.get_response(request)

    def too_large(self, size, limit):
        if size is None:
            message = f"This request is larger than {filesizeformat(limit)}"
        else:
            message = f"This request is {filesizeformat(size)}, more than {filesizeformat(limit)}"
        return HttpResponse(
            message + ", the most this address accepts.\n",
            status=413,
            content_type="text/plain; charset=utf-8",
        )


class HealthCheckMiddleware:
    """Answer /healthz with 200 when the database answers, 503 when it does not.

    Load balancers poll it, often with their own address as Host and over plain HTTP, so it
    answers before host validation, sessions, CSRF and the rest of the stack (the SSL
    redirect exempts it too; see SECURE_REDIRECT_EXEMPT): one SELECT 1 and nothing else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != HEALTH_CHECK_PATH:
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            response = HttpResponse("database unavailable\n", status=503)
        else:
            response = HttpResponse("ok\n")
        response["Content-Type"] = "text/plain; charset=utf-8"
        response["Cache-Control"] = "no-store"
        return response


class RejectNullBytesMiddleware:
    """A NUL character in the path or the query string is a 400, never a database error.

    PostgreSQL refuses NUL in text, so a `?q=%00` reaching a query would be a 500. Form
    fields already refuse it (Django's ProhibitNullCharactersValidator); this covers the
    URL. Reading request.GET also enforces DATA_UPLOAD_MAX_NUMBER_FIELDS (a 400).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                "Null characters are not allowed in addresses.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def client_ip(request):
    """The client's address behind DJANGO_PROXY_COUNT reverse proxies (for django-axes).

    Each proxy appends the address it received the request from to X-Forwarded-For, so the
    client is the entry that many places from the right; anything further left was sent by
    the client itself and may be forged. With no proxies, the socket's address is the client.
    """
    proxies = settings.PROXY_COUNT
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
