"""Member-state editors: which staff member may change the records of which member state."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..history import RegistryHistoricalRecords
from .places import MemberState


class MemberStateEditorQuerySet(models.QuerySet):
    def get_by_natural_key(self, username, member_state_code):
        return self.get(user__username=username, member_state__code=member_state_code)


class MemberStateEditor(models.Model):
    """Lets a staff member change the cities and officers of one member state.

    A user in the "Member-state editor" group, or with any of these rows, may change only the
    records of the states listed here (registry.permissions.can_edit_state).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="member_state_assignments",
        verbose_name=_("user"),
    )
    member_state = models.ForeignKey(
        MemberState,
        on_delete=models.CASCADE,
        related_name="editors",
        verbose_name=_("member state"),
    )

    objects = MemberStateEditorQuerySet.as_manager()
    history = RegistryHistoricalRecords()

    class Meta:
        verbose_name = _("member-state editor")
        verbose_name_plural = _("member-state editors")
        ordering = ["user__username", "member_state__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "member_state"],
                name="registry_memberstateeditor_unique_user_state",
            ),
        ]

    def __str__(self):
        return f"{self.user.get_username()}: {self.member_state}"

    def natural_key(self):
        return (self.user.get_username(), *self.member_state.natural_key())

    natural_key.dependencies = ["registry.memberstate", settings.AUTH_USER_MODEL.lower()]
