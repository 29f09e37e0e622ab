"""The forms of the confirmation rounds' admin pages: opening a round, a state's answer about
each record, its additions, and the review."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import confirmation
from ..models import City, ConfirmationRound, MemberState, Officer

Action = confirmation.Action


class OpenRoundForm(forms.ModelForm):
    """The round's title and due date, and the member states it covers (all, unless narrowed)."""

    member_states = forms.ModelMultipleChoiceField(
        label=gettext_lazy("member states"),
        queryset=MemberState.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ConfirmationRound
        fields = ["title", "due_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_states"].initial = list(
            MemberState.objects.values_list("pk", flat=True)
        )


class AnswerForm(forms.Form):
    """The state's answer about one record; the correction fields are the record's own."""

    action = forms.ChoiceField(label=gettext_lazy("answer"), required=False)
    new_name = forms.CharField(
        label=gettext_lazy("successor's name"), required=False, max_length=200
    )
    new_designation = forms.CharField(
        label=gettext_lazy("successor's designation"), required=False, max_length=500
    )
    effective_date = forms.DateField(
        label=gettext_lazy("from (handover), or the last day (end)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source_url = forms.URLField(label=gettext_lazy("source URL"), required=False, max_length=500)
    source_note = forms.CharField(
        label=gettext_lazy("source note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, record, item=None, **kwargs):
        self.record = record
        self.title = str(record)
        prefix = confirmation.record_key(record).replace(":", "-")
        initial = {}
        if item is not None:
            initial = {
                "action": item.action,
                "effective_date": item.effective_date,
                "source_url": item.source_url,
                "source_note": item.source_note,
                **{f"new_{k}": v for k, v in item.proposed_values.items()},
            }
        super().__init__(*args, prefix=prefix, initial=initial, **kwargs)
        choices = [("", _("not answered yet"))]
        self.fields["action"].choices = choices + [
            (action.value, action_label(action, record))
            for action in confirmation.allowed_actions(record)
        ]
        self.correctable = confirmation.CORRECTABLE_FIELDS[type(record)]
        for name in self.correctable:
            field = record._meta.get_field(name).formfield(required=False)
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"})
            self.fields[f"correct_{name}"] = field
            value = getattr(record, name)
            if item is not None and item.action == Action.CORRECT:
                value = item.proposed_values.get(name, value)
            self.initial[f"correct_{name}"] = value
        if not isinstance(record, Officer):
            for name in ("new_name", "new_designation"):
                del self.fields[name]
        if Action.END not in confirmation.allowed_actions(record):
            del self.fields["effective_date"]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == Action.CORRECT:
            if not self.proposed_corrections():
                self.add_error("action", _("A correction changes at least one field."))
            if not (data.get("source_url") or data.get("source_note")):
                self.add_error(
                    "source_url", _("Give a source for the correction: a URL or a note.")
                )
        if action in (Action.HANDOVER, Action.END) and not data.get("effective_date"):
            self.add_error("effective_date", _("Give the date."))
        if action == Action.HANDOVER and not data.get("new_name"):
            self.add_error("new_name", _("Name the successor."))
        return data

    def proposed_corrections(self):
        proposed = {}
        for name in self.correctable:
            value = self.cleaned_data.get(f"correct_{name}")
            if value in (None, "") and getattr(self.record, name) in (None, ""):
                continue
            if value != getattr(self.record, name):
                proposed[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return proposed

    def answer(self):
        """The cleaned form as a confirmation.Answer, or None when unanswered."""
        data = self.cleaned_data
        action = data.get("action")
        if not action:
            return None
        proposed = {}
        if action == Action.CORRECT:
            proposed = self.proposed_corrections()
        elif action == Action.HANDOVER:
            proposed = {"name": data["new_name"], "designation": data.get("new_designation", "")}
        dated = action in (Action.HANDOVER, Action.END)
        return confirmation.Answer(
            action=action,
            proposed_values=proposed,
            source_url=data.get("source_url", ""),
            source_note=data.get("source_note", ""),
            effective_date=data.get("effective_date") if dated else None,
        )


def action_label(action, record):
    if action == Action.END and isinstance(record, City):
        return _("no longer a pilot city")
    return action.label


class AdditionForm(forms.Form):
    """
    A record the state adds: a pilot city, or an officer of one of its posts (a city's CSCO or
    the state's national representative). Left blank, it adds nothing; a saved addition
    cleared of its name is withdrawn.
    """

    name = forms.CharField(label=gettext_lazy("name"), required=False, max_length=200)
    source_url = forms.URLField(label=gettext_lazy("source URL"), required=False, max_length=500)
    source_note = forms.CharField(
        label=gettext_lazy("source note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, ret, kind, key, item=None, **kwargs):
        self.kind, self.key = kind, key
        initial = {}
        if item is not None:
            initial = {
                **item.proposed_values,
                "source_url": item.source_url,
                "source_note": item.source_note,
            }
        super().__init__(*args, prefix=key.replace(":", "-"), initial=initial, **kwargs)
        if kind == "city":
            self.fields["pilot_since"] = forms.DateField(
                label=gettext_lazy("pilot city since"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields["action_plan_url"] = forms.URLField(
                label=gettext_lazy("action plan URL"), required=False, max_length=500
            )
        else:
            state = ret.member_state
            self.fields["post"] = forms.ChoiceField(
                label=gettext_lazy("post"),
                choices=[
                    (
                        confirmation.record_key(state),
                        _("National Representative, %s") % state,
                    ),
                    *(
                        (f"city:{pk}", _("Chief Smart City Officer, %s") % name)
                        for pk, name in state.cities.order_by("name").values_list("pk", "name")
                    ),
                ],
                required=False,
            )
            self.fields["designation"] = forms.CharField(
                label=gettext_lazy("designation"), required=False, max_length=500
            )
            self.fields["start_date"] = forms.DateField(
                label=gettext_lazy("in post since"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        self.order_fields(["name", "post", "designation", "start_date", "pilot_since"])
        if item is not None:
            self.title = describe_addition(item)
        else:
            self.title = _("Add a pilot city") if kind == "city" else _("Add an officer")

    def clean(self):
        data = super().clean()
        if data.get("name") and not (data.get("source_url") or data.get("source_note")):
            self.add_error("source_url", _("Give a source for the addition: a URL or a note."))
        return data

    def answer(self):
        data = self.cleaned_data
        if not data.get("name"):
            return None
        proposed = {"kind": self.kind}
        for name in confirmation.ADDITION_FIELDS[self.kind]:
            value = data.get(name)
            proposed[name] = value.isoformat() if hasattr(value, "isoformat") else (value or "")
        if self.kind == "officer":
            proposed["post"] = data["post"]
        return confirmation.Answer(
            action=Action.ADD,
            proposed_values=proposed,
            source_url=data.get("source_url", ""),
            source_note=data.get("source_note", ""),
        )


class ReviewForm(forms.Form):
    """Accept (all the answers, or those ticked) or return for changes, with a comment."""

    decision = forms.ChoiceField(
        label=gettext_lazy("decision"),
        choices=[
            ("accept", gettext_lazy("accept")),
            ("return", gettext_lazy("return for changes")),
        ],
    )
    accepted = forms.MultipleChoiceField(
        label=gettext_lazy("answers to accept"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Untick an answer to accept the return without it."),
    )
    comment = forms.CharField(
        label=gettext_lazy("comment"), required=False, max_length=5000, widget=forms.Textarea
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accepted"].choices = [
            (item.record_key, f"{subject_of(item)}: {item.get_action_display()}") for item in items
        ]
        self.fields["accepted"].initial = [item.record_key for item in items]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "accept" and not data.get("accepted"):
            self.add_error("accepted", _("Tick the answers to accept."))
        return data


def subject_of(item):
    """What an answer is about, as the review says it."""
    return describe_addition(item) if item.action == Action.ADD else item.record


def describe_addition(item):
    if item.proposed_values.get("kind") == "city":
        return _("New pilot city of %s") % item.record
    if isinstance(item.record, MemberState):
        return _("New National Representative of %s") % item.record
    return _("New Chief Smart City Officer of %s") % item.record


def form_key(form):
    """The answers' key of a return page form: its record's, or an addition's own."""
    return form.key if isinstance(form, AdditionForm) else confirmation.record_key(form.record)
