"""Create the "Member-state editor" group.

Its members see every registry record and may add, change, delete and import cities and
officers; the admin and the import narrow that to the member states a MemberStateEditor row
gives them (registry.permissions.can_edit_state).
"""

from django.db import migrations

GROUP = "Member-state editor"
REGISTRY_MODELS = (
    "network",
    "memberstate",
    "city",
    "officer",
    "agreement",
    "organisation",
    "source",
)
EVERY_MODEL_ACTIONS = ("view", "export")
SCOPED_MODELS = ("city", "officer")
SCOPED_ACTIONS = ("add", "change", "delete", "import")


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [
        f"{action}_{model}" for model in REGISTRY_MODELS for action in EVERY_MODEL_ACTIONS
    ]
    codenames += [f"{action}_{model}" for model in SCOPED_MODELS for action in SCOPED_ACTIONS]
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="registry", codename__in=codenames)
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_history_and_versions"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
