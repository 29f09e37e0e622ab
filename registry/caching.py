"""The public pages' validators, the rendered-page cache and the per-version data cache."""

import contextlib
import contextvars
import datetime
import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import QueryDict
from django.urls import get_script_prefix
from django.utils import timezone, translation

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


def known_query(query, known):
    """
    The query parameters of `query` (a QueryDict) that the page reads, normalised: only the
    names in `known`, each with its last value (what QueryDict.get() answers), empty values
    dropped (an empty filter, page, date or format is its default), sorted by name.

    The views answer and render with this in place of the request's own, so an unknown
    parameter (`?junk=1`) changes neither the page nor its cache key: it can neither add
    cache entries nor make the server render a page anew.
    """
    normalised = QueryDict(mutable=True)
    for name in sorted(set(query) & set(known)):
        value = query.getlist(name)[-1]
        if value != "":
            normalised[name] = value
    normalised._mutable = False
    return normalised


def _page_key(request, etag):
    # Everything the body depends on. The ETag holds the data version and its change time as
    # read from the database, so a write on any app server retires every cached copy at once
    # and each process may keep its own copies without ever serving stale data. The scheme,
    # host and script prefix go into the canonical links, the downloads' and Popolo's URLs;
    # the query is the normalised known parameters (known_query(), put in place by the view).
    parts = (
        etag,
        request.scheme,
        request.get_host(),
        get_script_prefix(),
        request.path,
        translation.get_language() or "",
        # Pages hold "Suggest a correction" links only while the form is on.
        str(settings.SUGGESTIONS_ENABLED),
        request.GET.urlencode(),
    )
    return "registry-page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


# Set by the server or the client for each response, never kept.
_UNKEPT_HEADERS = frozenset({"date"})


def cached_page(request, etag):
    """
    The (status, headers, content) kept for this request's page at this ETag, or None: the
    data of the response as the view returned it, which the view turns back into a response
    (only views build responses). Headers added by middleware are not part of it: they are
    added to a cached page as to a rendered one.
    """
    return caches[settings.REGISTRY_PAGE_CACHE].get(_page_key(request, etag))


def keep_page(request, etag, response):
    """
    Keep a rendered 200 page, with its status and every header, for the next request at the
    same ETag: not a large one, a streamed one, or one that sets a cookie (which belongs to
    one visitor, not to every visitor of the page).
    """
    if response.status_code != 200 or response.streaming or response.cookies:
        return
    if hasattr(response, "render"):
        response.render()
    if len(response.content) > PAGE_CACHE_MAX_BYTES:
        return
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in _UNKEPT_HEADERS
    ]
    caches[settings.REGISTRY_PAGE_CACHE].set(
        _page_key(request, etag), (response.status_code, headers, response.content)
    )
