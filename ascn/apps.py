from django.contrib.admin.apps import AdminConfig


class RegistryAdminConfig(AdminConfig):
    """Django's admin, on the registry's admin site (with the data health page)."""

    default_site = "registry.staff.site.RegistryAdminSite"
