"""The staff admin site: its header and title, and the data health page."""

from django.contrib import admin
from django.core.exceptions import BadRequest, PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import health

# Longer search terms are refused with a 400: a search for thousands of words builds a query
# too large for the database to plan (SQLite refuses it outright).
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 10


class SearchTermLimitMixin:
    """Refuses, with a 400, a search longer than the database can plan (changelist search
    boxes and autocomplete widgets both go through get_search_results)."""

    def get_search_results(self, request, queryset, search_term):
        if len(search_term) > MAX_SEARCH_LENGTH or len(search_term.split()) > MAX_SEARCH_WORDS:
            raise BadRequest(
                f"A search may have at most {MAX_SEARCH_LENGTH} characters and "
                f"{MAX_SEARCH_WORDS} words."
            )
        return super().get_search_results(request, queryset, search_term)


class RegistryAdminSite(admin.AdminSite):
    """The staff admin, with the data health page and its counts on the index."""

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every registration gets the search limit, the registry's own and those of the
        # contrib and third-party apps (users, groups, django-axes' logs) alike, so that no
        # table's search box can be made to fail with a 500.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SearchTermLimitMixin):
            admin_class = type(admin_class.__name__, (SearchTermLimitMixin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    site_header = _("ASCN Registry administration")
    site_title = _("ASCN Registry")
    index_title = _("Registry records")

    def get_urls(self):
        return [
            path("data-health/", self.admin_view(self.data_health_view), name="data-health"),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_module_perms("registry"):
            extra_context["data_health"] = health.summary()
        return super().index(request, extra_context)

    def data_health_view(self, request):
        if not request.user.has_module_perms("registry"):
            raise PermissionDenied
        sections = [
            (check, count, list(check.queryset[: health.LISTED_PER_CHECK]))
            for check, count in health.summary()
        ]
        context = {
            **self.each_context(request),
            "title": _("Data health"),
            "sections": sections,
            "listed_per_check": health.LISTED_PER_CHECK,
        }
        return TemplateResponse(request, "admin/data_health.html", context)
