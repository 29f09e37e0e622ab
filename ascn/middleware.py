"""Request handling that sits in front of the site: the health check and input guards."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseBadRequest

HEALTH_CHECK_PATH = "/healthz"


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
