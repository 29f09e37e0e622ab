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

    Each stored file expires after REGISTRY_IMPORT_PREVIEW_SECONDS and belongs to the user
    who uploaded it: claim() records the owner, the kind of entry (an import waiting for
    confirmation, refused rows) and what the server knew at upload (the file's name, its
    format), and claimed() gives them back to that user only, so nothing the client sends
    between preview and confirm can stand for them.
    """

    CLAIM_PREFIX = "registry-import-claim-"

    @property
    def lifetime(self):
        return settings.REGISTRY_IMPORT_PREVIEW_SECONDS

    @property
    def cache(self):
        return caches[settings.REGISTRY_IMPORT_CACHE]

    def save(self, data):
        if not self.name:
            self.name = uuid.uuid4().hex
        self.cache.set(self.CACHE_PREFIX + self.name, data, self.lifetime)

    def read(self):
        data = self.cache.get(self.CACHE_PREFIX + self.name)
        if data is None:
            raise SpreadsheetError(
                _("The uploaded file is no longer available (it expired). Upload it again.")
            )
        return data

    def remove(self):
        self.cache.delete_many([self.CACHE_PREFIX + self.name, self.CLAIM_PREFIX + self.name])

    def claim(self, kind, user, **details):
        """Tie the stored file to `user` (only they may read it back), with `details`."""
        claim = {"kind": kind, "owner": user.pk, **details}
        self.cache.set(self.CLAIM_PREFIX + self.name, claim, self.lifetime)

    def claimed(self, kind, user):
        """The details of a file of `kind` that `user` stored; SpreadsheetError otherwise."""
        claim = self.cache.get(self.CLAIM_PREFIX + self.name) if self.name else None
        if claim is None or claim.get("kind") != kind or claim.get("owner") != user.pk:
            raise SpreadsheetError(
                _(
                    "The uploaded file is no longer available (it expired, or it was not "
                    "uploaded by you). Upload it again."
                )
            )
        return claim
