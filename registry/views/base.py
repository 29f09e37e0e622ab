"""What every public page shares: conditional GET and the page cache, the point in time (`?as_of=`)."""

from django import forms
from django.http import (
    HttpResponse,
)
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.functional import cached_property
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _

from .. import (
    caching,
)
from ..caching import per_version
from ..date_input import IsoDateField, IsoDateInput
from ..models import Network

# Conditional GET and the page cache ---------------------------------------------------------


class ConditionalGetMixin:
    """
    ETag and Last-Modified headers, and a 304 for unchanged data before any rendering.

    The page reads only its known query parameters (get_known_parameters()): any other is
    dropped from request.GET before the page is looked up in the cache or rendered, so that
    `?junk=1` is the same page, from the same cache entry (README: "Speed and caching").
    """

    known_parameters = ()

    def get_known_parameters(self):
        return self.known_parameters

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        request.GET = caching.known_query(request.GET, self.get_known_parameters())
        etag, last_modified = caching.registry_validators()
        with caching.answering(etag):
            response = get_conditional_response(
                request, etag=etag, last_modified=last_modified.timestamp()
            )
            if response is None:
                response = self.cached_or_rendered(request, etag, *args, **kwargs)
        # Errors are not cached: a 400 or 404 carries no validators to revalidate against.
        if response.status_code in (200, 304):
            response.headers.setdefault("ETag", etag)
            response.headers.setdefault("Last-Modified", http_date(last_modified.timestamp()))
            # Revalidate every time (cheap, thanks to the 304) rather than let browsers
            # guess a freshness lifetime from Last-Modified and show outdated facts.
            patch_cache_control(response, public=True, no_cache=True)
        return response

    def cached_or_rendered(self, request, etag, *args, **kwargs):
        """The page from the rendered-page cache, else rendered and kept there."""
        cached = caching.cached_page(request, etag)
        if cached is not None:
            status, headers, content = cached
            return HttpResponse(content, status=status, headers=dict(headers))
        response = super().dispatch(request, *args, **kwargs)
        caching.keep_page(request, etag, response)
        return response


# Point in time ----------------------------------------------------------------------------


class AsOfForm(forms.Form):
    as_of = IsoDateField(
        label=_("As of"),
        required=False,
        widget=IsoDateInput,
        help_text=_("The network as it stood on this day (YYYY-MM-DD)."),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD, for example 2018-07-08.")},
    )

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(
                _("%(day)s is in the future: the registry shows only past and present."),
                params={"day": day.isoformat()},
            )
        return day


def current_network():
    return per_version(
        "network", lambda: Network.objects.prefetch_related("sources").order_by("pk").first()
    )


class AsOfMixin:
    """
    `?as_of=YYYY-MM-DD` on every page. Lists show the field in their filter form; the other
    pages answer an invalid date with a 400 page that shows the field and its message.
    """

    # Read when a page is rendered, not before: a page answered from the page cache (whose
    # key holds the query string) or with a 304 has no use for the form.
    @cached_property
    def as_of_form(self):
        return AsOfForm(self.request.GET)

    @cached_property
    def as_of(self):
        return self.as_of_form.cleaned_data["as_of"] if self.as_of_form.is_valid() else None

    def get(self, request, *args, **kwargs):
        if not self.as_of_form.is_valid():
            return self.render_invalid_as_of()
        return super().get(request, *args, **kwargs)

    def render_invalid_as_of(self):
        return self.response_class(
            request=self.request,
            template="registry/invalid_as_of.html",
            context=self.page_context(),
            status=400,
        )

    def page_context(self):
        request = self.request
        without_as_of = request.GET.copy()
        without_as_of.pop("as_of", None)
        without_as_of.pop("page", None)
        return {
            "as_of": self.as_of,
            "as_of_form": self.as_of_form,
            "as_of_suffix": f"?as_of={self.as_of.isoformat()}" if self.as_of else "",
            "today_url": request.path + (f"?{without_as_of.urlencode()}" if without_as_of else ""),
            "canonical_url": request.build_absolute_uri(request.path),
            "network": self.get_network(),
        }

    def get_network(self):
        return current_network()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.page_context())
        return context


class PublicPageMixin(ConditionalGetMixin, AsOfMixin):
    known_parameters = ("as_of",)
