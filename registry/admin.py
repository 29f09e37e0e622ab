from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _

from .models import Agreement, City, MemberState, Network, Officer, Organisation, Source
from .pagination import LargeTablePaginator
from .resources import (
    AgreementResource,
    CityResource,
    MemberStateResource,
    NetworkResource,
    OfficerResource,
    OrganisationResource,
    SourceResource,
)
from .spreadsheet_admin import SpreadsheetAdminMixin, WorkbookAdminMixin

admin.site.site_header = _("ASCN Registry administration")
admin.site.site_title = _("ASCN Registry")
admin.site.index_title = _("Registry records")


class RegistryAdmin(SpreadsheetAdminMixin, admin.ModelAdmin):
    """
    Defaults for tables that may grow to tens of thousands of rows; spreadsheet import and
    export (see registry/spreadsheet_admin.py) for users with the import or export permission.
    """

    list_per_page = 50
    # Counting every row of a large table on each changelist page is the slowest query
    # the admin runs; the filtered count is enough to page through results.
    show_full_result_count = False
    # The unfiltered changelist's own count is a full COUNT(*) too: estimated on huge tables.
    paginator = LargeTablePaginator
    save_on_top = True


class OfficerInline(admin.TabularInline):
    model = Officer
    fk_name = "city"
    fields = ["name", "designation", "role", "start_date", "end_date", "last_verified"]
    extra = 0
    show_change_link = True


class CityInline(admin.TabularInline):
    model = City
    fields = ["name", "slug", "latitude", "longitude", "pilot_since"]
    prepopulated_fields = {"slug": ["name"]}
    extra = 0
    show_change_link = True


class NationalRepresentativeInline(admin.TabularInline):
    model = Officer
    fk_name = "member_state"
    fields = ["name", "designation", "role", "start_date", "end_date", "last_verified"]
    extra = 0
    show_change_link = True
    verbose_name = _("national representative")
    verbose_name_plural = _("national representatives")


@admin.register(Source)
class SourceAdmin(RegistryAdmin):
    resource_classes = [SourceResource]
    list_display = ["title", "publisher", "published_on", "retrieved_on", "link"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "url"]
    ordering = ["title"]
    prepopulated_fields = {"slug": ["title"]}

    @admin.display(description=_("URL"))
    def link(self, obj):
        if not obj.url:
            return "—"
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', obj.url, obj.url)


@admin.register(Organisation)
class OrganisationAdmin(RegistryAdmin):
    resource_classes = [OrganisationResource]
    list_display = ["name", "abbreviation", "last_verified"]
    search_fields = ["name", "abbreviation"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["sources"]


@admin.register(Network)
class NetworkAdmin(WorkbookAdminMixin, RegistryAdmin):
    resource_classes = [NetworkResource]
    list_display = ["name", "acronym", "launch_date", "inaugural_meeting_date", "last_verified"]
    search_fields = ["name", "acronym"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["acronym"]}
    autocomplete_fields = ["sources"]


@admin.register(MemberState)
class MemberStateAdmin(RegistryAdmin):
    resource_classes = [MemberStateResource]
    list_display = ["name", "code", "code_alpha3", "network", "last_verified"]
    list_select_related = ["network"]
    search_fields = ["name", "code", "code_alpha3"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["network", "sources"]
    inlines = [CityInline, NationalRepresentativeInline]


@admin.register(City)
class CityAdmin(RegistryAdmin):
    resource_classes = [CityResource]
    list_display = [
        "name",
        "member_state",
        "latitude",
        "longitude",
        "pilot_since",
        "last_verified",
    ]
    list_select_related = ["member_state"]
    list_filter = ["member_state", "pilot_since"]
    search_fields = ["name", "member_state__name", "member_state__code"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["member_state", "network", "sources"]
    inlines = [OfficerInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_state()


@admin.register(Officer)
class OfficerAdmin(RegistryAdmin):
    resource_classes = [OfficerResource]
    list_display = ["name", "role", "post", "start_date", "end_date", "last_verified"]
    list_select_related = ["city__member_state", "member_state"]
    list_filter = ["role", "city__member_state", "member_state"]
    # Matched by get_search_results() below, without joins.
    search_fields = ["name", "designation", "city__name", "member_state__name"]
    ordering = ["name", "start_date"]
    autocomplete_fields = ["city", "member_state", "sources"]
    fieldsets = [
        (None, {"fields": ["name", "designation", "role"]}),
        (_("Post"), {"fields": ["city", "member_state", "start_date", "end_date"]}),
        (_("Sources"), {"fields": ["sources", "last_verified"]}),
    ]

    @admin.display(description=_("post"), ordering="city__name")
    def post(self, obj):
        return obj.city or obj.member_state

    def get_queryset(self, request):
        return super().get_queryset(request).with_posts()

    def get_search_results(self, request, queryset, search_term):
        """
        Every word in the name, the designation, or the name of the city or member state.

        Cities and member states whose name contains the word are looked up first (small
        tables), so that on PostgreSQL the officer table is searched through its trigram
        indexes (migration 0003) instead of read whole through the joins, which took over a
        second a page at a million officers.
        """
        for word in smart_split(search_term):
            if word.startswith(('"', "'")) and word[0] == word[-1]:
                word = unescape_string_literal(word)
            cities = City.objects.filter(name__icontains=word).order_by()
            states = MemberState.objects.filter(name__icontains=word).order_by()
            queryset = queryset.filter(
                Q(name__icontains=word)
                | Q(designation__icontains=word)
                | Q(city__in=list(cities.values_list("pk", flat=True)))
                | Q(member_state__in=list(states.values_list("pk", flat=True)))
            )
        return queryset, False


class AgreementAdminForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = [
            "title",
            "slug",
            "kind",
            "parties",
            "date",
            "date_precision",
            "event",
            "summary",
            "amount",
            "currency",
            "network",
            "sources",
            "last_verified",
        ]

    def clean(self):
        cleaned_data = super().clean()
        if "parties" in cleaned_data:
            self.instance.kind = cleaned_data.get("kind", self.instance.kind)
            try:
                self.instance.clean_parties(cleaned_data["parties"])
            except forms.ValidationError as error:
                self.add_error("parties", error)
        return cleaned_data


@admin.register(Agreement)
class AgreementAdmin(RegistryAdmin):
    resource_classes = [AgreementResource]
    form = AgreementAdminForm
    list_display = ["title", "kind", "date", "party_names", "amount", "currency"]
    list_filter = ["kind", "date"]
    search_fields = ["title", "summary", "event", "parties__name"]
    ordering = ["-date", "title"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["parties", "network", "sources"]

    @admin.display(description=_("parties"))
    def party_names(self, obj):
        return "; ".join(party.name for party in obj.parties.all())

    def get_queryset(self, request):
        return super().get_queryset(request).with_parties()
