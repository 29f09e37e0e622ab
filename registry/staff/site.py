"""The staff admin site: its header and title, and the data health page."""

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
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


class CheckedChoicesMixin:
    """
    An autocomplete widget that shows again only the submitted values its related field can
    hold: Django's looks every value up as it is, so a form posted back with a key such as
    ":" failed with a 500 while showing its errors.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        # A foreign key names the field it refers to; a many-to-many refers to the primary key.
        field_name = getattr(remote, "field_name", None)
        key = remote.model._meta.get_field(field_name) if field_name else remote.model._meta.pk
        held = []
        for item in value:
            try:
                checked = key.to_python(item)
            except (ValidationError, TypeError, ValueError):
                continue
            if isinstance(checked, int) and not -(2**63) <= checked < 2**63:
                continue  # no database integer column holds it
            held.append(item)
        return super().optgroups(name, held, attr)


class CheckedAutocompleteSelect(CheckedChoicesMixin, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(CheckedChoicesMixin, AutocompleteSelectMultiple):
    pass


class CheckedAutocompleteMixin:
    """Every autocomplete field of a registration uses the checked widgets above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RegistryAdminSite(admin.AdminSite):
    """The staff admin, with the data health page and its counts on the index."""

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every registration gets the search limit and the checked autocomplete widgets, the
        # registry's own and those of the contrib and third-party apps (users, groups,
        # django-axes' logs) alike, so that no search box or form can be made to fail with a 500.
        admin_class = admin_class or admin.ModelAdmin
        mixins = tuple(
            mixin
            for mixin in (SearchTermLimitMixin, CheckedAutocompleteMixin)
            if not issubclass(admin_class, mixin)
        )
        if mixins:
            admin_class = type(admin_class.__name__, (*mixins, admin_class), {})
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
