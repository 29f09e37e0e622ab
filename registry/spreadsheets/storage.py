"""Where an uploaded file waits between an import's preview and its confirmation."""

import uuid

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from import_export import tmp_storages

from .errors import SpreadsheetError


class SharedCacheStorage(tmp_storages.CacheStorage):
    """
    django-import-export's cache storage for the file kept between an import's preview and
    its confirmation, in the cache named by REGISTRY_IMPORT_CACHE (a database cache by
    default), so the confirmation works whichever app server behind a load balancer gets it.
    """

    @property
    def cache(self):
        return caches[settings.REGISTRY_IMPORT_CACHE]

    def save(self, data):
        if not self.name:
            self.name = uuid.uuid4().hex
        self.cache.set(self.CACHE_PREFIX + self.name, data, self.CACHE_LIFETIME)

    def read(self):
        data = self.cache.get(self.CACHE_PREFIX + self.name)
        if data is None:
            raise SpreadsheetError(
                _("The uploaded file is no longer available (it expired). Upload it again.")
            )
        return data

    def remove(self):
        self.cache.delete(self.CACHE_PREFIX + self.name)
