"""The site's URLs plus views that fail on purpose, so the tests can render each error page
through Django's own handlers (tests set ROOT_URLCONF to this module)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from ascn.urls import handler500  # noqa: F401
from ascn.urls import urlpatterns as site_urlpatterns


def bad_request(request):
    raise SuspiciousOperation("a request the tests make bad on purpose")


def forbidden(request):
    raise PermissionDenied


def server_error(request):
    raise RuntimeError("a failure the tests cause on purpose")


urlpatterns = [
    path("test-errors/400/", bad_request),
    path("test-errors/403/", forbidden),
    path("test-errors/500/", server_error),
    *site_urlpatterns,
]
