"""
Bump the data version (ETag and Last-Modified of the public pages) on every change; fill an
officer's search text on raw saves too.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .models import (
    Agreement,
    City,
    MemberState,
    Network,
    Officer,
    Organisation,
    Source,
    touch_registry,
)

TRACKED_MODELS = (Network, MemberState, City, Officer, Agreement, Organisation, Source)


def record_change(sender, using="default", **kwargs):
    touch_registry(using)


def record_m2m_change(sender, action, using="default", **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        touch_registry(using)


def fill_search_text(sender, instance, raw=False, **kwargs):
    # Fixtures and restored backups are saved raw, which skips Officer.save().
    if raw:
        instance.search_text = instance.build_search_text()


def connect():
    pre_save.connect(fill_search_text, sender=Officer, dispatch_uid="registry-search-text")
    for model in TRACKED_MODELS:
        post_save.connect(
            record_change, sender=model, dispatch_uid=f"registry-version-save-{model.__name__}"
        )
        post_delete.connect(
            record_change, sender=model, dispatch_uid=f"registry-version-delete-{model.__name__}"
        )
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                record_m2m_change,
                sender=field.remote_field.through,
                dispatch_uid=f"registry-version-m2m-{model.__name__}-{field.name}",
            )
