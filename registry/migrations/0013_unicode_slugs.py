"""
Slugs in every script (RegistrySlugField: letters, combining marks and digits of any script).

The columns stay varchar(100) with the same indexes, so nothing changes in the database:
without SeparateDatabaseAndState, SQLite would rebuild every table to alter nothing.
"""

import registry.models.base
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0012_public_suggestions'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='agreement',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, unique=True, verbose_name='slug'),
                ),
                migrations.AlterField(
                    model_name='city',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, unique=True, verbose_name='slug'),
                ),
                migrations.AlterField(
                    model_name='historicalagreement',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, verbose_name='slug'),
                ),
                migrations.AlterField(
                    model_name='historicalcity',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, verbose_name='slug'),
                ),
                migrations.AlterField(
                    model_name='historicalmemberstate',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, verbose_name='slug'),
                ),
                migrations.AlterField(
                    model_name='historicalnetwork',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, verbose_name='slug'),
                ),
                migrations.AlterField(
                    model_name='historicalorganisation',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, verbose_name='slug'),
                ),
                migrations.AlterField(
                    model_name='historicalsource',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, verbose_name='slug'),
                ),
                migrations.AlterField(
                    model_name='memberstate',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, unique=True, verbose_name='slug'),
                ),
                migrations.AlterField(
                    model_name='network',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, unique=True, verbose_name='slug'),
                ),
                migrations.AlterField(
                    model_name='organisation',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, unique=True, verbose_name='slug'),
                ),
                migrations.AlterField(
                    model_name='source',
                    name='slug',
                    field=registry.models.base.RegistrySlugField(max_length=100, unique=True, verbose_name='slug'),
                ),
            ],
        ),
    ]
