"""The staff admin site: its header and title, and the data health page."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import health


class RegistryAdminSite(admin.AdminSite):
    """The staff admin, with the data health page and its counts on the index."""

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
