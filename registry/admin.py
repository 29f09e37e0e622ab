"""The registry's models in the staff admin: one registration each, declarative."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import path
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .confirmation import add_returns
from .folding import fold
from .models import (
    Agreement,
    City,
    ConfirmationRound,
    MemberState,
    MemberStateEditor,
    Network,
    Officer,
    Organisation,
    Source,
    Suggestion,
)
from .spreadsheets.admin import WorkbookAdminMixin
from .spreadsheets.resources import (
    AgreementResource,
    CityResource,
    MemberStateResource,
    NetworkResource,
    OfficerResource,
    OrganisationResource,
    SourceResource,
)
from .staff import return_sheets, round_forms, rounds
from .staff.forms import AgreementAdminForm
from .staff.options import (
    EditableChoicesSearchMixin,
    MemberStateScopedMixin,
    RegistryAdmin,
    RegistryInline,
)
from .staff.suggestions import SuggestionAdminMixin

# Inlines of particular models, beside the registrations that use them.


class OfficerInline(MemberStateScopedMixin, RegistryInline):
    model = Officer
    fk_name = "city"
    fields = ["name", "designation", "role", "start_date", "end_date", "last_verified"]


class CityInlineFormSet(BaseInlineFormSet):
    def save_new(self, form, commit=True):
        # The inline has no network field: a city added under a state is in the state's network.
        form.instance.network_id = self.instance.network_id
        return super().save_new(form, commit=commit)


class CityInline(MemberStateScopedMixin, RegistryInline):
    model = City
    formset = CityInlineFormSet
    fields = ["name", "slug", "latitude", "longitude", "pilot_since"]
    slug_from = ("name",)


class NationalRepresentativeInline(MemberStateScopedMixin, RegistryInline):
    model = Officer
    fk_name = "member_state"
    fields = ["name", "designation", "role", "start_date", "end_date", "last_verified"]
    verbose_name = _("national representative")
    verbose_name_plural = _("national representatives")


@admin.register(Source)
class SourceAdmin(RegistryAdmin):
    resource_classes = [SourceResource]
    list_display = ["title", "publisher", "published_on", "retrieved_on", "link"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "url"]
    ordering = ["title"]
    slug_from = ("title",)

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
    slug_from = ("name",)
    autocomplete_fields = ["sources"]


@admin.register(Network)
class NetworkAdmin(WorkbookAdminMixin, RegistryAdmin):
    resource_classes = [NetworkResource]
    list_display = ["name", "acronym", "launch_date", "inaugural_meeting_date", "last_verified"]
    search_fields = ["name", "acronym"]
    ordering = ["name"]
    slug_from = ("acronym", "name")
    autocomplete_fields = ["sources"]


@admin.register(MemberState)
class MemberStateAdmin(EditableChoicesSearchMixin, RegistryAdmin):
    resource_classes = [MemberStateResource]
    list_display = ["name", "code", "code_alpha3", "network", "last_verified"]
    list_select_related = ["network"]
    search_fields = ["name", "code", "code_alpha3"]
    ordering = ["name"]
    slug_from = ("name",)
    autocomplete_fields = ["network", "sources"]
    inlines = [CityInline, NationalRepresentativeInline]


@admin.register(City)
class CityAdmin(EditableChoicesSearchMixin, MemberStateScopedMixin, RegistryAdmin):
    resource_classes = [CityResource]
    list_display = [
        "name",
        "member_state",
        "latitude",
        "longitude",
        "pilot_since",
        "pilot_until",
        "last_verified",
    ]
    list_select_related = ["member_state"]
    list_filter = ["member_state", "pilot_since"]
    search_fields = ["name", "member_state__name", "member_state__code"]
    ordering = ["name"]
    slug_from = ("name",)
    autocomplete_fields = ["member_state", "network", "sources"]
    inlines = [OfficerInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_state()


@admin.register(Officer)
class OfficerAdmin(MemberStateScopedMixin, RegistryAdmin):
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
        Every word in the name, the designation, or the name of the city or member state,
        whatever its case or accents: the public search's OfficerQuerySet.matching(), which
        reads the officer table through its trigram-indexed search text and matches cities
        and states by id, instead of reading the table whole through the joins (over a second
        a page at a million officers). The ids are looked up once, not in both the count and
        the page. A quoted phrase is one word. (The site refuses huge terms before this:
        staff/site.py.)
        """
        for word in smart_split(search_term):
            if word.startswith(('"', "'")) and word[0] == word[-1]:
                word = unescape_string_literal(word)
            folded = fold(word)
            cities, states = Officer.objects.matching_posts(folded)
            posts = (
                list(cities.values_list("pk", flat=True)),
                list(states.values_list("pk", flat=True)),
            )
            queryset = queryset.matching(folded, posts)
        return queryset, False


@admin.register(Agreement)
class AgreementAdmin(RegistryAdmin):
    resource_classes = [AgreementResource]
    form = AgreementAdminForm
    list_display = ["title", "kind", "date", "party_names", "amount", "currency"]
    list_filter = ["kind", "date"]
    search_fields = ["title", "summary", "event", "parties__name"]
    ordering = ["-date", "title"]
    slug_from = ("title",)
    autocomplete_fields = ["parties", "network", "sources"]

    @admin.display(description=_("parties"))
    def party_names(self, obj):
        return "; ".join(party.name for party in obj.parties.all())

    def get_queryset(self, request):
        return super().get_queryset(request).with_parties()


@admin.register(MemberStateEditor)
class MemberStateEditorAdmin(SimpleHistoryAdmin):
    list_display = ["user", "member_state"]
    list_select_related = ["user", "member_state"]
    list_filter = ["member_state"]
    search_fields = ["user__username", "user__email", "member_state__name", "member_state__code"]
    autocomplete_fields = ["user", "member_state"]


@admin.register(ConfirmationRound)
class ConfirmationRoundAdmin(admin.ModelAdmin):
    """Rounds; each one's page of returns, the returns and their review are staff/rounds.py."""

    list_display = ["title", "due_date", "created", "returns_link"]
    search_fields = ["title"]
    ordering = ["-due_date"]

    @admin.display(description=_("returns"))
    def returns_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("Returns"))

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = round_forms.OpenRoundForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["title", "due_date"] + ([] if obj else ["member_states"])

    def save_model(self, request, obj, form, change):
        if not change:
            obj.opened_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            add_returns(obj, form.cleaned_data["member_states"])

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:round_id>/returns/",
                view(lambda request, round_id: rounds.round_page(self, request, round_id)),
                name="registry_confirmationround_returns",
            ),
            path(
                "returns/<int:return_id>/",
                view(lambda request, return_id: rounds.return_page(self, request, return_id)),
                name="registry_confirmationround_return",
            ),
            path(
                "returns/<int:return_id>/spreadsheet/",
                view(
                    lambda request, return_id: return_sheets.return_spreadsheet(
                        self, request, return_id
                    )
                ),
                name="registry_confirmationround_return_spreadsheet",
            ),
            path(
                "returns/<int:return_id>/upload/",
                view(
                    lambda request, return_id: return_sheets.upload_return(
                        self, request, return_id
                    )
                ),
                name="registry_confirmationround_return_upload",
            ),
            path(
                "returns/<int:return_id>/review/",
                view(lambda request, return_id: rounds.review(self, request, return_id)),
                name="registry_confirmationround_review",
            ),
            *super().get_urls(),
        ]


@admin.register(Suggestion)
class SuggestionAdmin(SuggestionAdminMixin, admin.ModelAdmin):
    """The queue of corrections from the public (README "Corrections from the public")."""

    list_display = ["created_at", "status", "about", "what_is_wrong_short", "resolved_by"]
    list_filter = ["status"]
    search_fields = ["what_is_wrong", "correct_value", "source", "email", "staff_note"]
    list_select_related = ["member_state", "city", "officer", "agreement", "resolved_by"]
    date_hierarchy = "created_at"
    actions = ["mark_resolved", "mark_rejected"]
    fields = [
        "about",
        "what_is_wrong",
        "correct_value",
        "source_link",
        "email",
        "created_at",
        "reference",
        "status",
        "staff_note",
        "resolving_change",
        "resolving_change_link",
        "resolved_by",
        "resolved_at",
    ]
    readonly_fields = [
        "about",
        "what_is_wrong",
        "correct_value",
        "source_link",
        "email",
        "created_at",
        "reference",
        "resolving_change_link",
        "resolved_by",
        "resolved_at",
    ]
