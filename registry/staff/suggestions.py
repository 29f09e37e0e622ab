"""The suggestion queue's admin behaviour: the record it is about, and closing it."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import Suggestion


class SuggestionAdminMixin:
    """
    Staff read a suggestion, open its record, correct it (or not) and close the suggestion:
    from the list with an action, or in its form with a status and a note. Closing records
    who and when, and links the record's newest change made since the suggestion arrived
    unless staff named one (`resolving_change`, an id from the record's history page).
    A suggestion's own words are shown as text, never as markup.
    """

    def has_add_permission(self, request):
        return False  # suggestions come from the public form only

    @admin.display(description=_("about"))
    def about(self, obj):
        record = obj.record
        if record is None:
            return "-"
        return format_html(
            '{} <a href="{}">{}</a> (<a href="{}">{}</a>)',
            record._meta.verbose_name,
            obj.record_admin_url(),
            record,
            obj.record_admin_url("history"),
            _("history"),
        )

    @admin.display(description=_("what is wrong"))
    def what_is_wrong_short(self, obj):
        text = obj.what_is_wrong
        return text if len(text) <= 80 else text[:79] + "…"

    @admin.display(description=_("source"))
    def source_link(self, obj):
        value = obj.source.strip()
        if value.lower().startswith(("http://", "https://")) and " " not in value:
            return format_html(
                '<a href="{}" rel="noopener noreferrer nofollow">{}</a>', value, value
            )
        return value or "-"

    @admin.display(description=_("resolving change in the history"))
    def resolving_change_link(self, obj):
        if obj.resolving_change is None or obj.record is None:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            obj.record_admin_url("history"),
            _("change %(id)s in the record’s history") % {"id": obj.resolving_change},
        )

    def close(self, request, suggestion, status):
        suggestion.status = status
        suggestion.resolved_by = request.user
        suggestion.resolved_at = timezone.now()
        if status == Suggestion.Status.RESOLVED and suggestion.resolving_change is None:
            suggestion.resolving_change = suggestion.latest_change_since_received()

    def close_selected(self, request, queryset, status):
        closed = 0
        for suggestion in queryset.filter(status=Suggestion.Status.OPEN):
            self.close(request, suggestion, status)
            suggestion.save()
            closed += 1
        self.message_user(
            request,
            ngettext("%(n)d suggestion closed.", "%(n)d suggestions closed.", closed)
            % {"n": closed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Mark the selected suggestions resolved"), permissions=["change"])
    def mark_resolved(self, request, queryset):
        self.close_selected(request, queryset, Suggestion.Status.RESOLVED)

    @admin.action(description=_("Mark the selected suggestions rejected"), permissions=["change"])
    def mark_rejected(self, request, queryset):
        self.close_selected(request, queryset, Suggestion.Status.REJECTED)

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            if obj.status == Suggestion.Status.OPEN:
                obj.resolved_by, obj.resolved_at = None, None
            else:
                self.close(request, obj, obj.status)
        super().save_model(request, obj, form, change)
