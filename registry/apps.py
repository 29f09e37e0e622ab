from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("ASCN Registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import folding, signals

        signals.connect()
        connection_created.connect(folding.register_sqlite_functions)

        # django-import-export's `import` command picks a format by the file's MIME type from
        # its own classes; register the registry's, which check each file before reading it
        # (size, encoding, zip bombs, formulas) and read ODS as the binary file it is.
        from import_export import command_utils

        from .spreadsheets.formats import FORMATS

        command_utils.MIME_TYPE_FORMAT_MAPPING.update({f.CONTENT_TYPE: f for f in FORMATS})
