"""Admin forms that refuse to save over changes made since they were opened."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.utils.translation import gettext

from ..history import DIFF_EXCLUDED_FIELDS
from ..models import Agreement
from ..models.base import free_slug


def _display(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, (list, tuple, set)) or hasattr(value, "model"):
        return "; ".join(str(item) for item in value) or "—"
    return str(value)


class VersionField(forms.IntegerField):
    """The version a form was opened at: never itself a change (an unchanged inline row
    with an old version is left alone, not saved over newer values)."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


class VersionedModelForm(forms.ModelForm):
    """A form that refuses to save over changes made since it was opened.

    The record's version travels with the form in a hidden field; on save, the row is locked
    (SELECT ... FOR UPDATE, inside the admin's transaction) and its version compared. A
    mismatch is a validation error that lists what changed meanwhile, so nothing is silently
    overwritten.
    """

    version = VersionField(required=False, min_value=0)
    # A revert starts from the current record, not from the old version it shows.
    expected_version = None
    # Inline forms that were not changed are not saved, so they need no check.
    check_unchanged = True
    # The fields a blank slug is made from, the first one filled in (RegistryAdmin.slug_from).
    slug_from = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.slug_from and "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = gettext(
                "Left blank, it is made from the %(field)s, in any script."
            ) % {"field": self.instance._meta.get_field(self.slug_from[0]).verbose_name}
        if not self.instance._state.adding:
            version = self.expected_version
            self.initial["version"] = self.instance.version if version is None else version

    def clean(self):
        cleaned_data = super().clean()
        self.fill_slug(cleaned_data)
        if self.instance._state.adding or self.instance.pk is None:
            return cleaned_data
        if not self.check_unchanged and not self.has_changed():
            return cleaned_data
        model = type(self.instance)
        with transaction.atomic(using=router.db_for_write(model)):
            current = (
                model._default_manager.select_for_update().filter(pk=self.instance.pk).first()
            )
        opts = model._meta
        if current is None:
            raise ValidationError(
                gettext("This %(name)s was deleted by someone else while you were editing it.")
                % {"name": opts.verbose_name},
                code="deleted",
            )
        if cleaned_data.get("version") != current.version:
            raise ValidationError(self.conflict_messages(current), code="conflict")
        return cleaned_data

    def fill_slug(self, cleaned_data):
        """A blank slug made on the server from the name (the admin's own script drops
        combining marks): as an import makes it, with "-2" for a name already taken."""
        if not self.slug_from or "slug" not in self.fields or cleaned_data.get("slug"):
            return
        if "slug" in self.errors:
            return
        name = next((cleaned_data[f] for f in self.slug_from if cleaned_data.get(f)), "")
        if name:
            cleaned_data["slug"] = free_slug(type(self.instance), name, self.instance)

    def conflict_messages(self, current):
        """A headline, then one line per field: its value now, when opened, and yours."""
        model = type(current)
        history = model.history.filter(id=current.pk).order_by("-history_date", "-history_id")
        latest = history.first()
        base = history.filter(version=self.cleaned_data.get("version")).first()
        who = ""
        if latest is not None and latest.version == current.version:
            who = gettext(" (by %(user)s, %(date)s)") % {
                "user": latest.history_user or gettext("an automated change"),
                "date": latest.history_date.strftime("%Y-%m-%d %H:%M UTC"),
            }
        messages = [
            gettext(
                "Someone else saved this %(name)s%(who)s after you opened it, so your changes "
                "were not saved. Open it again to see the current version, then make your "
                "changes again. What changed meanwhile:"
            )
            % {"name": model._meta.verbose_name, "who": who}
        ]
        if base is not None and latest is not None and latest.version == current.version:
            delta = latest.diff_against(
                base, excluded_fields=DIFF_EXCLUDED_FIELDS, foreign_keys_are_objs=True
            )
            for change in delta.changes:
                messages.append(self._conflict_line(change.field, change.new, change.old))
        else:
            # No snapshot of the version the form was opened at (records loaded from a
            # fixture have no history): list where the form differs from the record now.
            for name in self.changed_data:
                if name == "version" or name not in self.fields:
                    continue
                field = model._meta.get_field(name)
                now = (
                    getattr(current, name).all() if field.many_to_many else getattr(current, name)
                )
                messages.append(self._conflict_line(name, now, None))
        return messages

    def _conflict_line(self, name, now, then):
        field = type(self.instance)._meta.get_field(name)
        if field.many_to_many:
            related = field.related_model._meta.model_name
            now = [row[related] for row in now] if isinstance(now, list) else now
            then = [row[related] for row in then] if isinstance(then, list) else then
        label = str(field.verbose_name).capitalize()
        yours = _display(self.cleaned_data.get(name)) if name in self.fields else None
        line = gettext("%(field)s: now “%(now)s”") % {"field": label, "now": _display(now)}
        if then is not None or field.many_to_many:
            line += gettext(", was “%(then)s” when you opened it") % {"then": _display(then)}
        if yours is not None:
            line += gettext("; you entered “%(yours)s”") % {"yours": yours}
        return line + "."


class InlineVersionedModelForm(VersionedModelForm):
    check_unchanged = False


class AgreementAdminForm(VersionedModelForm):
    class Meta:
        model = Agreement
        fields = [
            "title",
            "slug",
            "kind",
            "parties",
            "date",
            "date_precision",
            "event",
            "summary",
            "amount",
            "currency",
            "network",
            "sources",
            "last_verified",
        ]

    def clean(self):
        cleaned_data = super().clean()
        if "parties" in cleaned_data:
            self.instance.kind = cleaned_data.get("kind", self.instance.kind)
            try:
                self.instance.clean_parties(cleaned_data["parties"])
            except forms.ValidationError as error:
                self.add_error("parties", error)
        return cleaned_data
