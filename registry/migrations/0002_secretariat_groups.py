"""Create the "Secretariat editor" and "Secretariat viewer" groups with their permissions."""

from django.db import migrations

EDITOR = "Secretariat editor"
VIEWER = "Secretariat viewer"
EDITOR_ACTIONS = ("view", "add", "change", "delete", "import", "export")
VIEWER_ACTIONS = ("view", "export")


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran (post_migrate); create them
    # now so that a fresh database gets fully populated groups in one `migrate`.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    registry_perms = Permission.objects.filter(content_type__app_label="registry")
    for name, actions in ((EDITOR, EDITOR_ACTIONS), (VIEWER, VIEWER_ACTIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        wanted = [p for p in registry_perms if p.codename.split("_", 1)[0] in actions]
        group.permissions.add(*wanted)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITOR, VIEWER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
