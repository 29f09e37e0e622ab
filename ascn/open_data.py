"""
What the open data says about itself on the wire: its licence on every download, and CORS
for the downloads alone.

A download is recognised by its response (a file: `Content-Disposition`) or its address
(`/data/...`), not by each view adding headers, so a new download cannot forget them.
"""

from corsheaders.signals import check_request_enabled
from django.conf import settings
from django.dispatch import receiver
from django.urls import Resolver404, resolve

# Preflights may only ask for these; the CORS_ALLOW_METHODS setting says so to browsers.
CORS_METHODS = ("GET", "HEAD")


def is_download(request, response):
    """A file (any Content-Disposition), or anything under /data/, answered successfully."""
    if response.status_code not in (200, 206):
        return False
    return response.has_header("Content-Disposition") or request.path_info.startswith("/data/")


class LicenceLinkMiddleware:
    """`Link: <licence URL>; rel="license"` on every download (RFC 8288; the licence is
    DJANGO_DATA_LICENCE), beside any Link header the response already has."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_download(request, response):
            link = f'<{settings.DATA_LICENCE["url"]}>; rel="license"'
            existing = response.get("Link")
            response["Link"] = f"{existing}, {link}" if existing else link
        return response


def is_list_download(request):
    """A GET or HEAD (or its preflight) of a public list's `?format=` download.

    CORS_URLS_REGEX sees the path alone, and a list's path also serves its HTML page with
    the filter form; the query string tells the download apart.
    """
    method = request.method
    if method == "OPTIONS":
        method = request.headers.get("Access-Control-Request-Method", "").upper()
    if method not in CORS_METHODS or not request.GET.get("format"):
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    # The views mark the lists that serve downloads; nothing here imports them.
    return getattr(getattr(match.func, "view_class", None), "serves_downloads", False)


@receiver(check_request_enabled, dispatch_uid="ascn-open-data-list-downloads")
def enable_cors_for_list_downloads(sender, request, **kwargs):
    return is_list_download(request)
