"""The queue of corrections suggested by the public, and the secretariat's access to it."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

QUEUE_ACTIONS = {
    "Secretariat editor": ("view", "change", "delete"),
    "Secretariat viewer": ("view",),
}


def grant_queue(apps, schema_editor):
    # As in 0002: the permissions exist only after post_migrate unless created here.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, actions in QUEUE_ACTIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            codenames = [f"{action}_suggestion" for action in actions]
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="registry", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_confirmation_rounds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Suggestion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reference",
                    models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="reference"),
                ),
                ("what_is_wrong", models.TextField(verbose_name="what is wrong")),
                ("correct_value", models.TextField(blank=True, verbose_name="the correct value")),
                (
                    "source",
                    models.TextField(
                        blank=True,
                        help_text="A link or a description of where it says so.",
                        verbose_name="source",
                    ),
                ),
                (
                    "email",
                    models.EmailField(
                        blank=True, max_length=254, verbose_name="e-mail for a reply"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="received at"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "open"),
                            ("resolved", "resolved"),
                            ("rejected", "rejected"),
                        ],
                        db_index=True,
                        default="open",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("staff_note", models.TextField(blank=True, verbose_name="staff note")),
                (
                    "resolved_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="closed at"),
                ),
                (
                    "resolving_change",
                    models.PositiveBigIntegerField(
                        blank=True,
                        help_text="The id of the entry in the record's change history that made the correction.",
                        null=True,
                        verbose_name="resolving change",
                    ),
                ),
                (
                    "agreement",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="suggestions",
                        to="registry.agreement",
                        verbose_name="agreement",
                    ),
                ),
                (
                    "city",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="suggestions",
                        to="registry.city",
                        verbose_name="city",
                    ),
                ),
                (
                    "member_state",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="suggestions",
                        to="registry.memberstate",
                        verbose_name="member state",
                    ),
                ),
                (
                    "officer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="suggestions",
                        to="registry.officer",
                        verbose_name="officer",
                    ),
                ),
                (
                    "resolved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="closed by",
                    ),
                ),
            ],
            options={
                "verbose_name": "suggested correction",
                "verbose_name_plural": "suggested corrections",
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("reference",), name="registry_suggestion_unique_reference"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("agreement__isnull", True),
                                ("city__isnull", True),
                                ("member_state__isnull", False),
                                ("officer__isnull", True),
                            ),
                            models.Q(
                                ("agreement__isnull", True),
                                ("city__isnull", False),
                                ("member_state__isnull", True),
                                ("officer__isnull", True),
                            ),
                            models.Q(
                                ("agreement__isnull", True),
                                ("city__isnull", True),
                                ("member_state__isnull", True),
                                ("officer__isnull", False),
                            ),
                            models.Q(
                                ("agreement__isnull", False),
                                ("city__isnull", True),
                                ("member_state__isnull", True),
                                ("officer__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="registry_suggestion_exactly_one_record",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["open", "resolved", "rejected"])),
                        name="registry_suggestion_status_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("resolved_at__isnull", True), ("status", "open")),
                            models.Q(
                                models.Q(("status", "open"), _negated=True),
                                ("resolved_at__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="registry_suggestion_closed_when_dated",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant_queue, migrations.RunPython.noop),
    ]
