"""
Checking a record before it is written: model validation without a query per row, uniqueness
against the loaded records and the rest of the file, and slugs for new records.
"""

from django.core.exceptions import ValidationError
from django.db.models.expressions import DatabaseDefault
from django.utils.translation import gettext as _

from ...identifiers import registry_slug


class InstanceValidation:
    """RegistryResource's validation of each record (django-import-export's validate_instance)."""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """
        Model validation without a query per row: foreign keys were resolved from the
        database by the widgets, and uniqueness is checked against the loaded records and
        the rest of the file, so full_clean() runs without its per-row lookups.
        """
        errors = dict(import_validation_errors or {})
        if errors:
            # The cells themselves are wrong: say that, not what follows from it.
            raise ValidationError(errors)
        try:
            self.complete_instance(instance)
            self.full_clean(instance)
            self.check_instance(instance)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not errors:
            for name in self.unique_fields:
                value = getattr(instance, name)
                if value in (None, ""):
                    continue
                owners = self.unique_values.setdefault(name, {})
                owner, line = owners.get(value, (None, None))
                if owner is not None and owner is not instance:
                    where = _("line %(line)s") % {"line": line} if line else _("the registry")
                    errors[name] = [
                        ValidationError(
                            _("%(field)s '%(value)s' is already used by %(owner)s (%(where)s).")
                            % {"field": name, "value": value, "owner": owner, "where": where}
                        )
                    ]
                else:
                    owners[value] = (instance, line if owner is instance else self.row_line)
        if errors:
            raise ValidationError(errors)

    def full_clean(self, instance):
        """
        instance.full_clean(exclude=<relations>, validate_unique=False,
        validate_constraints=False), with the fields checked by clean_fields() below.
        """
        errors = {}
        try:
            self.clean_fields(instance)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # As in Model.full_clean(), clean() runs even when a field is invalid.
        try:
            instance.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def clean_fields(self, instance):
        """
        Model.clean_fields() without the relations, each field's clean() run once per
        distinct value in a file: most columns repeat (dates, roles, states), and Django's
        fields check a value by itself (Field.validate() reads the instance only for
        relations, which are left out as the widgets resolved them).
        """
        errors = {}
        for field in self.validated_fields:
            raw = getattr(instance, field.attname)
            if (field.blank and raw in field.empty_values) or isinstance(raw, DatabaseDefault):
                continue
            key = (field.attname, type(raw), raw)
            try:
                checked = self.cleaned_values.get(key)
            except TypeError:  # an unhashable value (a JSON field's): checked every time
                checked = key = None
            if checked is None:
                try:
                    checked = (field.clean(raw, instance), None)
                except ValidationError as invalid:
                    checked = (None, invalid.error_list)
                if key is not None:
                    self.cleaned_values[key] = checked
            cleaned, error = checked
            if error is None:
                setattr(instance, field.attname, cleaned)
            else:
                errors[field.name] = error
        if errors:
            raise ValidationError(errors)

    def complete_instance(self, instance):
        """Fill what a file may leave out for a new record (slug, network)."""
        if "slug" in self.unique_fields and not instance.slug:
            instance.slug = self.make_slug(instance)

    def make_slug(self, instance):
        # Every script kept (identifiers.registry_slug), so two names one mark apart get two
        # slugs; only the same name twice gets "-2". Room is left for the suffix.
        base = registry_slug(str(instance), max_length=90) or instance._meta.model_name
        taken = self.unique_values.setdefault("slug", {})
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug

    def check_instance(self, instance):
        """Rules the database enforces with CHECK constraints, said in words before it does."""
