"""The admin's shared options: base ModelAdmin and inline classes, and member-state scoping."""

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from .. import permissions
from ..history import DIFF_EXCLUDED_FIELDS
from ..models import City, MemberState
from ..pagination import LargeTablePaginator
from ..spreadsheets.admin import SpreadsheetAdminMixin
from .forms import InlineVersionedModelForm, VersionedModelForm


def _with_version_field(fieldsets, include):
    result = []
    for index, (name, options) in enumerate(fieldsets):
        fields = [field for field in options["fields"] if field != "version"]
        if include and index == 0:
            fields.append("version")
        result.append((name, {**options, "fields": fields}))
    return result


class VersionedFieldsMixin:
    """Renders the hidden version field where the user edits, never on a read-only page."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return _with_version_field(fieldsets, self.has_change_permission(request, obj))


# Base classes ------------------------------------------------------------------------------


class RegistryAdmin(SpreadsheetAdminMixin, VersionedFieldsMixin, SimpleHistoryAdmin):
    """Defaults for tables that may grow to tens of thousands of rows.

    Spreadsheet import and export (registry/spreadsheets/admin.py) for users with the import or
    export permission. Each record keeps a change history (simple-history: the "History" button, with a diff of
    each change, and a revert for those who may change the record), and its form refuses to
    overwrite changes saved by someone else meanwhile (VersionedModelForm).
    """

    form = VersionedModelForm
    list_per_page = 50
    # Counting every row of a large table on each changelist page is the slowest query
    # the admin runs; the filtered count is enough to page through results.
    show_full_result_count = False
    # The unfiltered changelist's own count is a full COUNT(*) too: estimated on huge tables.
    paginator = LargeTablePaginator
    save_on_top = True
    # The fields a blank slug is made from on save, the first one filled in (VersionedModelForm).
    slug_from = ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The version is a field of the form, not of the model form's fields (the model
        # field is not editable), though the fieldsets name it so that it is rendered.
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"]:
            kwargs["fields"] = [name for name in kwargs["fields"] if name != "version"]
        form = super().get_form(request, obj, change=change, **kwargs)
        revert_from = getattr(request, "registry_revert_from_version", None)
        if revert_from is not None:
            form = type(form.__name__, (form,), {"expected_version": revert_from})
        if self.slug_from:
            form = type(form.__name__, (form,), {"slug_from": self.slug_from})
        return form

    def save_model(self, request, obj, form, change):
        # One historical record per save, holding the many-to-many values saved after the
        # record itself (otherwise each add or remove of a source writes another record).
        obj.__dict__.pop("_last_historical_record", None)
        revert_from = getattr(request, "registry_revert_from_version", None)
        if revert_from is not None:
            # A revert saves the old version's values as a new save of the record as it is
            # now: counted from the current version (checked by the form under a row lock),
            # not from the old one, so every form opened before the revert conflicts.
            obj.version = form.cleaned_data.get("version", revert_from)
        super().save_model(request, obj, form, change)
        record = getattr(obj, "_last_historical_record", None)
        save_m2m = form.save_m2m

        def save_m2m_into_the_same_record():
            obj.skip_history_when_saving = True
            try:
                save_m2m()
            finally:
                del obj.skip_history_when_saving
            if record is not None:
                type(obj)._history_records.refresh_m2m_snapshot(record, obj)

        form.save_m2m = save_m2m_into_the_same_record

    def _valid_ids_or_404(self, object_id, version_id=None):
        # simple-history looks these up unconverted: "abc" would be a ValueError, a 500.
        try:
            self.model._meta.pk.to_python(unquote(object_id))
            if version_id is not None:
                self.model.history.model._meta.pk.to_python(version_id)
        except ValidationError:
            raise Http404 from None

    def history_view(self, request, object_id, extra_context=None):
        self._valid_ids_or_404(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Show an old version; reverting to it needs permission to change the record now.

        simple-history only hides the Revert button from viewers but saves any POST; here a
        POST from someone who may not change the current record is refused.
        """
        self._valid_ids_or_404(object_id, version_id)
        current = self.get_object(request, unquote(object_id))
        if current is not None:
            request.registry_revert_from_version = current.version
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        if current is None or not self.has_change_permission(request, current):
            raise PermissionDenied
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        if super().revert_disabled(request, obj):
            return True
        if obj is None:
            return False
        # `obj` may be an old version; what may be changed is decided by the record as it is.
        current = self.get_object(request, str(obj.pk))
        return current is None or not self.has_change_permission(request, current)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current,
                    excluded_fields=DIFF_EXCLUDED_FIELDS,
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current


class RegistryInline(VersionedFieldsMixin, admin.TabularInline):
    form = InlineVersionedModelForm
    extra = 0
    show_change_link = True
    slug_from = ()

    def get_formset(self, request, obj=None, **kwargs):
        fields = kwargs.get("fields") or flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [name for name in fields if name != "version"]
        if self.slug_from and "form" not in kwargs:
            kwargs["form"] = type(self.form.__name__, (self.form,), {"slug_from": self.slug_from})
        return super().get_formset(request, obj, **kwargs)


# Member-state editors ----------------------------------------------------------------------


class MemberStateScopedMixin:
    """Member-state editors change only the records of their own member states.

    Checked per object (change, delete, revert), in the choices of the member state and city
    fields (another state's id is "not one of the available choices"), in autocomplete
    results, in inlines (through the parent record) and in bulk deletes; spreadsheet imports
    refuse another state's rows (RegistryResource.authorize).
    """

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit_record(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit_record(request.user, obj))

    def has_add_permission(self, request, *args):
        allowed = super().has_add_permission(request, *args)
        obj = args[0] if args else None  # an inline is given its parent record
        if permissions.editable_state_ids(request.user) == frozenset():
            return False
        return allowed and (obj is None or permissions.can_edit_record(request.user, obj))

    def has_import_permission(self, request):
        # A member-state editor without a state could only have every row refused.
        allowed = super().has_import_permission(request)
        return allowed and permissions.editable_state_ids(request.user) != frozenset()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is MemberState:
            kwargs["queryset"] = permissions.limit_to_editable(
                MemberState.objects.all(), request.user
            )
        elif db_field.related_model is City:
            kwargs["queryset"] = permissions.limit_to_editable(
                City.objects.with_state(), request.user
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_queryset(self, request, queryset):
        editable = permissions.limit_to_editable(queryset, request.user)
        if editable.count() != queryset.count():
            raise PermissionDenied
        super().delete_queryset(request, queryset)


class EditableChoicesSearchMixin:
    """Autocomplete for a member state or city field offers only what the user may edit."""

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = request.resolver_match
        if match is not None and match.url_name == "autocomplete":
            queryset = permissions.limit_to_editable(queryset, request.user)
        return queryset, may_have_duplicates
