"""The public pages' validators, the rendered-page cache and the per-version data cache."""

import contextvars
import datetime
import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from .models import DataVersion

# Pages larger than this (a whole-registry download) are rendered each time instead.
PAGE_CACHE_MAX_BYTES = 2 * 1024 * 1024

# The ETag of the GET or HEAD request being answered, read once at its start (see
# ConditionalGetMixin): the key of everything per_version() keeps for that request.
_request_etag = contextvars.ContextVar("registry_request_etag", default=None)


def registry_validators():
    """
    The ETag and Last-Modified of every public page, from one small query.

    Pages change when the data does, and at midnight, when "possibly out of date" marks and
    today's holders may change: both go into the validators.
    """
    version = DataVersion.current()
    today = timezone.localdate()
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    # The change time too: a database restored from a backup may repeat a version number.
    etag = f'"{version.version}-{version.changed_at:%Y%m%d%H%M%S%f}-{today:%Y%m%d}"'
    # HTTP dates have whole seconds; a fraction would defeat If-Modified-Since.
    return etag, max(version.changed_at, midnight).replace(microsecond=0)


def per_version(name, compute):
    """
    `compute()`, for what depends on the registry's data alone (the network, a filter's
    choices, a table's row estimate): kept in the data cache under the ETag read at the start
    of the public request being answered, like a rendered page, so that each process reuses
    it until any process writes. Outside such a request (not a GET, the admin, a command),
    computed each time.
    """
    etag = _request_etag.get()
    if etag is None:  # not a GET: no validators were read
        return compute()
    key = "registry-data:" + hashlib.sha256(f"{etag}|{name}".encode()).hexdigest()
    cache = caches[settings.REGISTRY_DATA_CACHE]
    cached = cache.get(key)
    if cached is None:
        cached = (compute(),)  # a tuple, so that a None answer is kept too
        cache.set(key, cached)
    return cached[0]


class ConditionalGetMixin:
    """ETag and Last-Modified headers, and a 304 for unchanged data before any rendering."""

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        etag, last_modified = registry_validators()
        token = _request_etag.set(etag)
        try:
            response = get_conditional_response(
                request, etag=etag, last_modified=last_modified.timestamp()
            )
            if response is None:
                response = self.cached_or_rendered(request, etag, *args, **kwargs)
        finally:
            _request_etag.reset(token)
        # Errors are not cached: a 400 or 404 carries no validators to revalidate against.
        if response.status_code in (200, 304):
            response.headers.setdefault("ETag", etag)
            response.headers.setdefault("Last-Modified", http_date(last_modified.timestamp()))
            # Revalidate every time (cheap, thanks to the 304) rather than let browsers
            # guess a freshness lifetime from Last-Modified and show outdated facts.
            patch_cache_control(response, public=True, no_cache=True)
        return response

    def cached_or_rendered(self, request, etag, *args, **kwargs):
        """
        The page from the rendered-page cache, else rendered and kept there.

        The key is the ETag, which holds the data version and its change time as read from
        the database, so a write on any app server retires every cached copy at once: each
        process may keep its own copies without ever serving stale data.
        """
        key = (
            "registry-page:"
            + hashlib.sha256(f"{etag}|{request.get_full_path()}".encode()).hexdigest()
        )
        cache = caches[settings.REGISTRY_PAGE_CACHE]
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            if hasattr(response, "render"):
                response.render()
            if len(response.content) <= PAGE_CACHE_MAX_BYTES:
                cache.set(key, (response.content, response["Content-Type"]))
        return response
