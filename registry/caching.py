"""The public pages' validators, the rendered-page cache and the per-version data cache."""

import contextlib
import contextvars
import datetime
import hashlib

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from .models import DataVersion

# Pages larger than this (a whole-registry download) are rendered each time instead.
PAGE_CACHE_MAX_BYTES = 2 * 1024 * 1024

# The ETag of the GET or HEAD request being answered, read once at its start (answering(),
# called by the views' ConditionalGetMixin): the key of everything per_version() keeps.
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


@contextlib.contextmanager
def answering(etag):
    """Within this block, per_version() keeps what it computes under `etag`."""
    token = _request_etag.set(etag)
    try:
        yield
    finally:
        _request_etag.reset(token)


def _page_key(request, etag):
    # The key is the ETag, which holds the data version and its change time as read from the
    # database, so a write on any app server retires every cached copy at once: each process
    # may keep its own copies without ever serving stale data.
    # The suggestion setting too: pages hold "Suggest a correction" links only while it is on.
    variant = f"{etag}|{settings.SUGGESTIONS_ENABLED}|{request.get_full_path()}"
    return "registry-page:" + hashlib.sha256(variant.encode()).hexdigest()


def cached_page(request, etag):
    """The (content, content type) kept for this request's page at this ETag, or None."""
    return caches[settings.REGISTRY_PAGE_CACHE].get(_page_key(request, etag))


def keep_page(request, etag, response):
    """Keep a rendered 200 page for the next request at the same ETag (not a large one)."""
    if response.status_code == 200 and not response.streaming:
        if hasattr(response, "render"):
            response.render()
        if len(response.content) <= PAGE_CACHE_MAX_BYTES:
            caches[settings.REGISTRY_PAGE_CACHE].set(
                _page_key(request, etag), (response.content, response["Content-Type"])
            )
