"""
Spreadsheet import and export in the staff admin, on top of django-import-export's admin.

Every registry changelist gets Import (upload, preview, confirm) and Export (the filtered
changelist) for users with the model's import or export permission. The Network admin also
offers the whole registry as one workbook, down and up. Both imports run through
RegistryResource.import_data(), like the commands.
"""

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm

from ..identifiers import content_disposition_header
from .containers import refuse_name_mismatch
from .errors import SpreadsheetError
from .formats import FORMATS, XLSX
from .resources import RESOURCES
from .storage import SharedCacheStorage
from .workbook import export_workbook, import_workbook

# How many rows the preview lists; the counts above it cover every row.
PREVIEW_ROWS = 500


def check_upload_size(upload):
    limit = settings.REGISTRY_IMPORT_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            _("The file is %(size)s; files up to %(limit)s can be imported here.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    return upload


class SpreadsheetImportForm(ImportForm):
    """
    django-import-export's upload form, refusing files over the size limit unread, and files
    whose name says another format than the one chosen (the content is judged when read).
    """

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.format_names = [f().get_title().upper() for f in formats]

    def clean_import_file(self):
        return check_upload_size(self.cleaned_data["import_file"])

    def clean(self):
        cleaned = super().clean()
        upload, index = cleaned.get("import_file"), cleaned.get("format")
        known = str(index or "").isdigit() and int(index) < len(self.format_names)
        if upload is not None and known:
            try:
                refuse_name_mismatch(upload.name, self.format_names[int(index)])
            except SpreadsheetError as error:
                self.add_error("import_file", str(error))
        return cleaned


class SpreadsheetConfirmForm(forms.Form):
    """
    The confirmation of a previewed import: which stored upload, and the format and resource
    the preview used (checked against what the server stored with the upload). The file's
    name for the change history is the one the server received, kept with the upload.
    """

    import_file_name = forms.SlugField(max_length=64, widget=forms.HiddenInput)
    format = forms.CharField(max_length=10, widget=forms.HiddenInput)
    resource = forms.CharField(max_length=10, required=False, widget=forms.HiddenInput)


class SpreadsheetAdminMixin(ImportExportMixin):
    formats = FORMATS
    import_form_class = SpreadsheetImportForm
    confirm_form_class = SpreadsheetConfirmForm
    import_template_name = "admin/registry/import.html"
    # The export page without inline style or script, which the Content-Security-Policy refuses.
    export_template_name = "admin/registry/export.html"

    def get_urls(self):
        info = self.get_model_info()
        return [
            path(
                "import/refused/<slug:name>/",
                self.admin_site.admin_view(self.refused_rows_view),
                name="{}_{}_import_refused".format(*info),
            ),
            *super().get_urls(),
        ]

    def get_export_queryset(self, request):
        # The changelist answers an unknown filter with a redirect to "?e=1"; the export of
        # that changelist says what is wrong instead of failing.
        try:
            return super().get_export_queryset(request)
        except IncorrectLookupParameters as error:
            raise BadRequest(
                _("The export's filters are not valid: %(error)s") % {"error": str(error)[:200]}
            ) from None

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, SpreadsheetError):
            form.add_error("import_file", str(e))
        else:
            form.add_error(
                "import_file",
                _(
                    "The file cannot be read in the chosen format. Check that the format "
                    "matches the file."
                ),
            )

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", {})
        confirm_form = context.get("confirm_form")
        if confirm_form is not None:
            initial = confirm_form.initial
            SharedCacheStorage(name=initial["import_file_name"]).claim(
                "import",
                request.user,
                file_name=initial["original_file_name"],
                format=str(initial["format"]),
                resource=str(initial.get("resource") or ""),
            )
        result = context.get("result")
        if result is not None:
            response.context_data["preview_rows"] = result.changed_rows()[:PREVIEW_ROWS]
            response.context_data["preview_limit"] = PREVIEW_ROWS
            if result.refused and result.failed_dataset is not None:
                response.context_data["refused_rows_url"] = self.store_refused_rows(
                    request, result
                )
        return response

    def store_refused_rows(self, request, result):
        """Keep the refused rows (with an error column) for download, in the uploaded format."""
        form = self.create_import_form(request)
        file_format = XLSX()
        if form.is_valid():
            file_format = self.get_import_formats()[int(form.cleaned_data["format"])]()
        name = uuid.uuid4().hex
        storage = SharedCacheStorage(name=name)
        storage.save(
            {
                "data": file_format.export_data(result.failed_dataset),
                "extension": file_format.get_extension(),
                "content_type": file_format.get_content_type(),
            }
        )
        storage.claim("refused-rows", request.user)
        return reverse("admin:{}_{}_import_refused".format(*self.get_model_info()), args=[name])

    def refused_rows_view(self, request, name):
        if not self.has_import_permission(request):
            raise PermissionDenied
        storage = SharedCacheStorage(name=name)
        try:
            storage.claimed("refused-rows", request.user)
            stored = storage.read()
        except SpreadsheetError:
            raise Http404(_("The refused rows are no longer available.")) from None
        response = HttpResponse(stored["data"], content_type=stored["content_type"])
        filename = f"{self.model._meta.model_name}-refused-rows.{stored['extension']}"
        response["Content-Disposition"] = content_disposition_header("attachment", filename)
        return response

    def process_import(self, request, **kwargs):
        """
        django-import-export's confirm step, reading what the preview stored with the upload
        (its owner, name, format and resource) rather than trusting the posted form: a
        tampered or stale confirmation is a message on the import page, never an error.
        """
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        try:
            if not form.is_valid():
                raise SpreadsheetError(
                    _("The confirmation was incomplete. Upload the file again.")
                )
            storage = SharedCacheStorage(name=form.cleaned_data["import_file_name"])
            claim = storage.claimed("import", request.user)
            posted = (form.cleaned_data["format"], form.cleaned_data["resource"] or "")
            if posted != (claim["format"], claim["resource"]):
                raise SpreadsheetError(
                    _(
                        "The confirmation does not match the preview (its format or table "
                        "changed). Upload the file again."
                    )
                )
            form.cleaned_data["resource"] = claim["resource"]
            input_format = self.get_import_formats()[int(claim["format"])](
                encoding=self.from_encoding
            )
            dataset = input_format.create_dataset(storage.read())
            result = self.process_dataset(
                dataset, form, request, file_name=claim["file_name"], **kwargs
            )
        except SpreadsheetError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(self.import_url())
        storage.remove()
        return self.process_result(result, request)

    def process_result(self, result, request):
        if result.has_errors():
            # The file changed, or the registry did, between preview and confirm.
            messages.error(request, result.report())
            return HttpResponseRedirect(self.import_url())
        for note in result.notes:
            messages.info(request, note)
        return super().process_result(result, request)

    def import_url(self):
        return reverse("admin:{}_{}_import".format(*self.get_model_info()))


class WorkbookForm(forms.Form):
    import_file = forms.FileField(
        label=_("Workbook"), help_text=_("An XLSX or ODS file with one sheet per table.")
    )

    def clean_import_file(self):
        upload = check_upload_size(self.cleaned_data["import_file"])
        extension = upload.name.rsplit(".", 1)[-1].lower()
        if extension not in ("xlsx", "ods"):
            raise forms.ValidationError(_("Upload an .xlsx or .ods workbook."))
        return upload


class WorkbookConfirmForm(forms.Form):
    # The upload's name, format and owner are kept with it on the server (claim()).
    import_file_name = forms.SlugField(max_length=64, widget=forms.HiddenInput)


def has_registry_permissions(user, action):
    return all(
        user.has_perm(f"registry.{action}_{resource._meta.model._meta.model_name}")
        for resource in RESOURCES
    )


class WorkbookAdminMixin:
    """The whole registry as one workbook: download, and upload with preview and confirm."""

    def get_urls(self):
        return [
            path(
                "workbook/export/",
                self.admin_site.admin_view(self.workbook_export_view),
                name="registry_workbook_export",
            ),
            path(
                "workbook/import/",
                self.admin_site.admin_view(self.workbook_import_view),
                name="registry_workbook_import",
            ),
            *super().get_urls(),
        ]

    def workbook_export_view(self, request):
        if not has_registry_permissions(request.user, "export"):
            raise PermissionDenied
        response = HttpResponse(export_workbook("xlsx"), content_type=XLSX().get_content_type())
        response["Content-Disposition"] = content_disposition_header(
            "attachment", "ascn-registry.xlsx"
        )
        return response

    def workbook_import_view(self, request):
        if not has_registry_permissions(request.user, "import"):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import the whole registry"),
            "opts": self.model._meta,
        }
        if request.method == "POST" and "confirm" in request.POST:
            return self.workbook_confirm(request, context)
        form = WorkbookForm(request.POST or None, request.FILES or None)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            file_format = upload.name.rsplit(".", 1)[-1].lower()
            data = b"".join(upload.chunks())
            try:
                result = import_workbook(
                    data, file_format, dry_run=True, user=request.user, file_name=upload.name
                )
            except SpreadsheetError as error:
                form.add_error("import_file", str(error))
            else:
                context["result"] = result
                if not result.refused:
                    storage = SharedCacheStorage()
                    storage.save(data)
                    storage.claim(
                        "workbook", request.user, file_name=upload.name, file_format=file_format
                    )
                    context["confirm_form"] = WorkbookConfirmForm(
                        initial={"import_file_name": storage.name}
                    )
        return TemplateResponse(request, "admin/registry/workbook_import.html", context)

    def workbook_confirm(self, request, context):
        form = WorkbookConfirmForm(request.POST)
        back = reverse("admin:registry_workbook_import")
        if not form.is_valid():
            messages.error(request, _("The confirmation was incomplete. Upload the file again."))
            return HttpResponseRedirect(back)
        storage = SharedCacheStorage(name=form.cleaned_data["import_file_name"])
        try:
            claim = storage.claimed("workbook", request.user)
            result = import_workbook(
                storage.read(),
                claim["file_format"],
                user=request.user,
                file_name=claim["file_name"],
                retain_instance_in_row_result=True,
            )
        except SpreadsheetError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(back)
        storage.remove()
        if result.refused:
            messages.error(request, result.report())
            return HttpResponseRedirect(back)
        self.log_workbook(request, result)
        messages.success(request, _("The registry workbook was imported.") + " " + result.report())
        return HttpResponseRedirect(reverse("admin:index"))

    def log_workbook(self, request, result):
        flags = {"new": ADDITION, "update": CHANGE}
        for _sheet, sheet_result in result.results:
            for import_type, flag in flags.items():
                instances = [
                    row.instance for row in sheet_result.rows if row.import_type == import_type
                ]
                if instances:
                    LogEntry.objects.log_actions(
                        request.user.pk,
                        instances,
                        flag,
                        change_message=_("%s through the registry workbook") % import_type,
                    )
